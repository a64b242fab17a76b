import { Client, Connection } from '@temporalio/client';

export interface WorkflowStep {
  /** The activity, child workflow, timer or signal. */
  name: string;
  kind: 'activity' | 'child workflow' | 'timer' | 'signal';
  status: 'running' | 'completed' | 'failed' | 'timed out' | 'canceled';
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  attempts?: number;
  failure?: string;
}

export interface WorkflowExecution {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  /** The step still running, or the last one. */
  currentStep?: string;
  steps: WorkflowStep[];
  failure?: string;
  /** This execution in the Temporal Web UI, when its address is known. */
  uiUrl?: string;
}

/** The workflows the console lists. */
export const CONSOLE_WORKFLOW_TYPES = ['OnboardUser', 'ApprovalWorkflow'] as const;

type Timestamp = { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined;

function iso(t: Timestamp): string {
  return new Date(Number(t?.seconds?.toString() ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6).toISOString();
}

interface HistoryEvent {
  eventId?: { toString(): string } | number | null;
  eventTime?: Timestamp;
  [attributes: string]: unknown;
}

/** Reads OnboardUser and ApprovalWorkflow executions and their histories from Temporal's frontend. */
export class TemporalReader {
  private connection: Promise<Connection> | undefined;

  constructor(
    private readonly address: string,
    private readonly namespace = 'default',
    private readonly uiUrl?: string,
  ) {}

  private async client(): Promise<Client> {
    this.connection ??= Connection.connect({ address: this.address, connectTimeout: 3000 });
    try {
      return new Client({ connection: await this.connection, namespace: this.namespace });
    } catch (error) {
      this.connection = undefined;
      throw error;
    }
  }

  async executions(limit = 30): Promise<WorkflowExecution[]> {
    const client = await this.client();
    const query = CONSOLE_WORKFLOW_TYPES.map((t) => `WorkflowType = '${t}'`).join(' OR ');
    const listed: WorkflowExecution[] = [];
    for await (const info of client.workflow.list({ query, pageSize: limit })) {
      listed.push({
        workflowId: info.workflowId,
        runId: info.runId,
        type: info.type,
        status: info.status.name,
        startedAt: info.startTime.toISOString(),
        ...(info.closeTime ? { closedAt: info.closeTime.toISOString() } : {}),
        steps: [],
        ...this.link(info.workflowId, info.runId),
      });
      if (listed.length >= limit) break;
    }
    // Steps come from each history; a handful of reads at a time keeps the frontend unhurried.
    for (let i = 0; i < listed.length; i += 5) {
      await Promise.all(listed.slice(i, i + 5).map(async (execution) => Object.assign(execution, await this.steps(client, execution.workflowId, execution.runId))));
    }
    return listed;
  }

  private link(workflowId: string, runId: string): { uiUrl?: string } {
    if (!this.uiUrl) return {};
    return { uiUrl: `${this.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(this.namespace)}/workflows/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history` };
  }

  private async steps(client: Client, workflowId: string, runId: string): Promise<Pick<WorkflowExecution, 'steps' | 'currentStep' | 'failure'>> {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    return stepsOf((history.events ?? []) as HistoryEvent[]);
  }
}

/** Steps out of a workflow history: each activity, child workflow, timer and signal, with its timing and outcome. */
export function stepsOf(events: readonly HistoryEvent[]): Pick<WorkflowExecution, 'steps' | 'currentStep' | 'failure'> {
  const steps: WorkflowStep[] = [];
  const byScheduledId = new Map<string, WorkflowStep>();
  let failure: string | undefined;
  const id = (v: unknown) => String((v as { toString(): string } | undefined)?.toString() ?? '');
  const end = (step: WorkflowStep | undefined, status: WorkflowStep['status'], at: Timestamp, why?: string) => {
    if (!step) return;
    step.status = status;
    step.endedAt = iso(at);
    step.durationMs = Date.parse(step.endedAt) - Date.parse(step.startedAt);
    if (why) step.failure = why;
  };
  const message = (attrs: unknown) => {
    const failureInfo = (attrs as { failure?: { message?: string; cause?: { message?: string } } } | undefined)?.failure;
    return failureInfo ? [failureInfo.message, failureInfo.cause?.message].filter(Boolean).join(': ') : undefined;
  };
  for (const event of events) {
    const eventId = id(event.eventId);
    const a = (name: string) => event[`${name}EventAttributes`] as Record<string, unknown> | null | undefined;
    let attrs: Record<string, unknown> | null | undefined;
    if ((attrs = a('activityTaskScheduled'))) {
      const step: WorkflowStep = { name: String((attrs.activityType as { name?: string } | undefined)?.name ?? 'activity'), kind: 'activity', status: 'running', startedAt: iso(event.eventTime) };
      byScheduledId.set(eventId, step);
      steps.push(step);
    } else if ((attrs = a('activityTaskStarted'))) {
      const step = byScheduledId.get(id(attrs.scheduledEventId));
      if (step) step.attempts = Number(attrs.attempt ?? 1);
    } else if ((attrs = a('activityTaskCompleted'))) end(byScheduledId.get(id(attrs.scheduledEventId)), 'completed', event.eventTime);
    else if ((attrs = a('activityTaskFailed'))) end(byScheduledId.get(id(attrs.scheduledEventId)), 'failed', event.eventTime, message(attrs));
    else if ((attrs = a('activityTaskTimedOut'))) end(byScheduledId.get(id(attrs.scheduledEventId)), 'timed out', event.eventTime, message(attrs));
    else if ((attrs = a('activityTaskCanceled'))) end(byScheduledId.get(id(attrs.scheduledEventId)), 'canceled', event.eventTime);
    else if ((attrs = a('startChildWorkflowExecutionInitiated'))) {
      const step: WorkflowStep = { name: String((attrs.workflowType as { name?: string } | undefined)?.name ?? 'child'), kind: 'child workflow', status: 'running', startedAt: iso(event.eventTime) };
      byScheduledId.set(`child:${eventId}`, step);
      steps.push(step);
    } else if ((attrs = a('childWorkflowExecutionCompleted'))) end(byScheduledId.get(`child:${id(attrs.initiatedEventId)}`), 'completed', event.eventTime);
    else if ((attrs = a('childWorkflowExecutionFailed'))) end(byScheduledId.get(`child:${id(attrs.initiatedEventId)}`), 'failed', event.eventTime, message(attrs));
    else if ((attrs = a('childWorkflowExecutionTimedOut'))) end(byScheduledId.get(`child:${id(attrs.initiatedEventId)}`), 'timed out', event.eventTime);
    else if ((attrs = a('timerStarted'))) {
      const step: WorkflowStep = { name: String(attrs.timerId ?? 'timer'), kind: 'timer', status: 'running', startedAt: iso(event.eventTime) };
      byScheduledId.set(`timer:${eventId}`, step);
      steps.push(step);
    } else if ((attrs = a('timerFired'))) end(byScheduledId.get(`timer:${id(attrs.startedEventId)}`), 'completed', event.eventTime);
    else if ((attrs = a('timerCanceled'))) end(byScheduledId.get(`timer:${id(attrs.startedEventId)}`), 'canceled', event.eventTime);
    else if ((attrs = a('workflowExecutionSignaled'))) {
      const at = iso(event.eventTime);
      steps.push({ name: String(attrs.signalName ?? 'signal'), kind: 'signal', status: 'completed', startedAt: at, endedAt: at, durationMs: 0 });
    } else if ((attrs = a('workflowExecutionFailed'))) failure = message(attrs);
    else if ((attrs = a('workflowExecutionTimedOut'))) failure = 'the workflow timed out';
  }
  const running = steps.find((s) => s.status === 'running' && s.kind !== 'timer') ?? steps.find((s) => s.status === 'running');
  const current = running ?? steps.filter((s) => s.kind !== 'signal').at(-1);
  return { steps, ...(current ? { currentStep: current.name } : {}), ...(failure ? { failure } : {}) };
}
