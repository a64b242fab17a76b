import type { Sinks } from '@temporalio/workflow';

export type WorkflowOutcome = 'completed' | 'failed' | 'cancelled';

/**
 * Workflow code is sandboxed and deterministic, so it cannot touch prom-client: it reports
 * through this sink, which the worker implements in Node (see metrics/workflow-metrics.ts).
 */
export interface WorkflowMetricsSinks extends Sinks {
  workflowMetrics: {
    /** A step ended after `durationMs` of workflow time. */
    stepFinished(step: string, durationMs: number): void;
    /** The run ended; `durationMs` since it started, in workflow time. */
    workflowFinished(outcome: WorkflowOutcome, durationMs: number): void;
  };
}
