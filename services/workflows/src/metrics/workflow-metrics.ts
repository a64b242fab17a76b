import { Counter, Histogram, type Registry } from 'prom-client';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowMetricsSinks, WorkflowOutcome } from '../workflows/workflow-metrics.sinks';

/** The failure types the activities throw (activities/onboarding.activities.ts). */
const FAILURE_TYPES = ['ServiceUnavailable', 'ServiceRejected'] as const;

const STEP_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 6 * 3600, 24 * 3600];

/**
 * The worker's Prometheus metrics, in the service kit's registry (served at /metrics).
 * Workflow steps and outcomes arrive through the `workflowMetrics` sink (not called during
 * replay, so a restarted worker does not count the past twice); activities are timed by an
 * activity interceptor.
 */
export class WorkflowMetrics {
  readonly stepSeconds: Histogram<'workflow' | 'step'>;
  readonly workflowSeconds: Histogram<'workflow' | 'outcome'>;
  /** One counter per outcome, the names the Grafana dashboard in deploy/ queries. */
  readonly outcomes: Record<WorkflowOutcome, Counter<'workflow'>>;
  readonly activitySeconds: Histogram<'activity' | 'outcome'>;
  readonly activityFailures: Counter<'activity' | 'type'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.stepSeconds = new Histogram({
      name: 'mesh_workflow_step_duration_seconds',
      help: 'Time a workflow spent in one step (workflow time)',
      labelNames: ['workflow', 'step'],
      buckets: STEP_BUCKETS,
      registers,
    });
    this.workflowSeconds = new Histogram({
      name: 'mesh_workflow_duration_seconds',
      help: 'Run time of workflows that ended, by outcome (workflow time)',
      labelNames: ['workflow', 'outcome'],
      buckets: STEP_BUCKETS,
      registers,
    });
    const outcome = (name: WorkflowOutcome) =>
      new Counter({ name: `mesh_workflow_${name}_total`, help: `Workflow runs that ended ${name}`, labelNames: ['workflow'], registers });
    this.outcomes = { completed: outcome('completed'), failed: outcome('failed'), cancelled: outcome('cancelled') };
    this.activitySeconds = new Histogram({
      name: 'mesh_workflow_activity_duration_seconds',
      help: 'Duration of one activity attempt, by outcome',
      labelNames: ['activity', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.activityFailures = new Counter({
      name: 'mesh_workflow_activity_failures_total',
      help: 'Failed activity attempts, by activity and failure type (ServiceUnavailable is retried, ServiceRejected is not)',
      labelNames: ['activity', 'type'],
      registers,
    });
  }

  /**
   * Zero series for every workflow outcome and every activity's failure types, so the
   * dashboard shows 0 failures (and rate() works) before the first one happens.
   */
  seed(workflows: readonly string[], activities: readonly string[]): void {
    for (const workflow of workflows) {
      for (const counter of Object.values(this.outcomes)) counter.inc({ workflow }, 0);
    }
    for (const activity of activities) {
      for (const type of FAILURE_TYPES) this.activityFailures.inc({ activity, type }, 0);
    }
  }

  sinks(): InjectedSinks<WorkflowMetricsSinks> {
    return {
      workflowMetrics: {
        stepFinished: {
          fn: (info, step, durationMs) => this.stepSeconds.observe({ workflow: info.workflowType, step }, durationMs / 1000),
          callDuringReplay: false,
        },
        workflowFinished: {
          fn: (info, outcome, durationMs) => {
            this.outcomes[outcome].inc({ workflow: info.workflowType });
            this.workflowSeconds.observe({ workflow: info.workflowType, outcome }, durationMs / 1000);
          },
          callDuringReplay: false,
        },
      },
    };
  }

  activityInterceptor(): ActivityInterceptorsFactory {
    return (ctx) => {
      const inbound: ActivityInboundCallsInterceptor = {
        execute: async (input, next) => {
          const activity = ctx.info.activityType;
          const end = this.activitySeconds.startTimer({ activity });
          try {
            const result = await next(input);
            end({ outcome: 'completed' });
            return result;
          } catch (error) {
            end({ outcome: 'failed' });
            const type = error instanceof ApplicationFailure ? (error.type ?? 'ApplicationFailure') : error instanceof Error ? error.name : 'unknown';
            this.activityFailures.inc({ activity, type });
            throw error;
          }
        },
      };
      return { inbound };
    };
  }
}
