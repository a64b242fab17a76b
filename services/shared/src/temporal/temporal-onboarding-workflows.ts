import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry-v2';
import { envInt, envString, type Env } from '../config/env';
import { onboardingWorkflowId, QUERY, SIGNAL, TASK_QUEUE, WORKFLOW, type DocumentUploadedSignal, type OnboardingStatus, type OnboardUserInput, type ProfileCompletedSignal } from '../onboarding-contract';
import { type OnboardingDescription, type OnboardingWorkflows, WorkflowEngineError, WorkflowNotStartedError } from './onboarding-workflows';

export interface TemporalSettings {
  address: string;
  namespace: string;
  /** Deadline of the status query, which waits for a worker to answer. */
  queryTimeoutMs: number;
  /** Deadline of every other call (start, signal, describe), retries included: an unreachable Temporal fails fast. */
  rpcTimeoutMs: number;
}

export function temporalSettings(env: Env = process.env): TemporalSettings {
  return {
    address: envString(env, 'TEMPORAL_ADDRESS', '127.0.0.1:7233'),
    namespace: envString(env, 'TEMPORAL_NAMESPACE', 'default'),
    queryTimeoutMs: envInt(env, 'TEMPORAL_QUERY_TIMEOUT_MS', 3000, { min: 100 }),
    rpcTimeoutMs: envInt(env, 'TEMPORAL_RPC_TIMEOUT_MS', 5000, { min: 100 }),
  };
}

/**
 * OnboardingWorkflows on a Temporal client. Temporal is infrastructure, not a mesh
 * service, so this connects straight to TEMPORAL_ADDRESS. The connection is lazy: the
 * service starts (and answers /health) while Temporal is still coming up.
 */
export class TemporalOnboardingWorkflows implements OnboardingWorkflows {
  private readonly connection: Connection;
  private readonly client: Client;

  constructor(private readonly settings: TemporalSettings) {
    this.connection = Connection.lazy({ address: settings.address });
    this.client = new Client({
      connection: this.connection,
      namespace: settings.namespace,
      // Starts and signals carry the caller's trace context in the Temporal headers, so the
      // workflow's spans join the HTTP request that started or signalled it.
      interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor()] },
    });
  }

  async start(input: OnboardUserInput): Promise<void> {
    try {
      await this.bounded(() =>
        this.client.workflow.start(WORKFLOW.onboardUser, {
          taskQueue: TASK_QUEUE,
          workflowId: onboardingWorkflowId(input.userId),
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
        }),
      );
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return;
      throw new WorkflowEngineError(`start of ${WORKFLOW.onboardUser}`, error);
    }
  }

  signalProfileCompleted(userId: string, profile: ProfileCompletedSignal): Promise<void> {
    return this.signal(userId, SIGNAL.profileCompleted, profile);
  }

  signalDocumentUploaded(userId: string, document: DocumentUploadedSignal): Promise<void> {
    return this.signal(userId, SIGNAL.documentUploaded, document);
  }

  async describe(userId: string): Promise<OnboardingDescription> {
    const handle = this.client.workflow.getHandle(onboardingWorkflowId(userId));
    let executionStatus: string;
    try {
      executionStatus = (await this.bounded(() => handle.describe())).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new WorkflowNotStartedError(userId);
      throw new WorkflowEngineError('describe', error);
    }
    try {
      const status = await this.client.withDeadline(Date.now() + this.settings.queryTimeoutMs, () => handle.query<OnboardingStatus>(QUERY.status));
      return { executionStatus, status };
    } catch (error) {
      return { executionStatus, queryError: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  private bounded<R>(call: () => Promise<R>): Promise<R> {
    return this.client.withDeadline(Date.now() + this.settings.rpcTimeoutMs, call);
  }

  private async signal(userId: string, name: string, payload: object): Promise<void> {
    try {
      await this.bounded(() => this.client.workflow.getHandle(onboardingWorkflowId(userId)).signal(name, payload));
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new WorkflowNotStartedError(userId);
      throw new WorkflowEngineError(`signal ${name}`, error);
    }
  }
}
