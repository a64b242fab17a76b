import { proxySinks } from '@temporalio/workflow';
import type { WorkflowMetricsSinks } from './workflow-metrics.sinks';

const { workflowMetrics } = proxySinks<WorkflowMetricsSinks>();

/**
 * Tracks which step a workflow is in and reports how long each one took. Date.now() in
 * workflow code is the deterministic workflow clock, so replays compute the same figures
 * (and the sink is not called during replay).
 */
export class StepClock<S extends string> {
  private since = Date.now();

  constructor(private current: S) {}

  get step(): S {
    return this.current;
  }

  enter(next: S): void {
    const now = Date.now();
    workflowMetrics.stepFinished(this.current, now - this.since);
    this.current = next;
    this.since = now;
  }
}
