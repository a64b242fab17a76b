import { isCancellation, proxySinks, TemporalFailure, type WorkflowInterceptorsFactory } from '@temporalio/workflow';
import type { WorkflowMetricsSinks } from './workflow-metrics.sinks';

const { workflowMetrics } = proxySinks<WorkflowMetricsSinks>();

/**
 * Counts how each run ends. Only Temporal failures fail a workflow; any other error fails
 * the workflow task, which Temporal retries, so it is not an outcome.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  inbound: [
    {
      async execute(input, next) {
        const startedAt = Date.now();
        try {
          const result = await next(input);
          workflowMetrics.workflowFinished('completed', Date.now() - startedAt);
          return result;
        } catch (error) {
          if (isCancellation(error)) workflowMetrics.workflowFinished('cancelled', Date.now() - startedAt);
          else if (error instanceof TemporalFailure) workflowMetrics.workflowFinished('failed', Date.now() - startedAt);
          throw error;
        }
      },
    },
  ],
});
