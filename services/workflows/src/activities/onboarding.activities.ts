import { ApplicationFailure, Context } from '@temporalio/activity';
import { UpstreamHttpError, UpstreamUnavailableError, type UpstreamClient } from '@mesh/service-kit';
import {
  SERVICE,
  type ApprovalResult,
  type CreditScoreRequest,
  type CreditScoreResponse,
  type DecisionRecord,
  type EligibilityRequest,
  type EligibilityResponse,
  type NotificationRecord,
  type NotificationRequest,
} from '@mesh/service-kit/contract';

/** The service's own verdict that the request is wrong: retrying cannot help. */
export function isRejection(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/**
 * Turns a failed call into a Temporal failure: the service's own 4xx is final
 * (`ServiceRejected`, listed as non-retryable in the activity options); anything else —
 * 5xx, Envoy's local replies while a route or endpoint is missing, no answer — is retried.
 */
export function asFailure(error: unknown): never {
  if (error instanceof UpstreamHttpError) {
    if (isRejection(error.status)) throw ApplicationFailure.nonRetryable(error.message, 'ServiceRejected', { status: error.status, body: error.body });
    throw ApplicationFailure.retryable(error.message, 'ServiceUnavailable', { status: error.status });
  }
  if (error instanceof UpstreamUnavailableError) throw ApplicationFailure.retryable(error.message, 'ServiceUnavailable', { status: null });
  throw error;
}

/** The same key on every attempt of one activity, so a service can drop a repeated request. */
function idempotencyKey(): Record<string, string> {
  const info = Context.current().info;
  return { 'idempotency-key': `${info.workflowExecution?.workflowId ?? info.activityType}/${info.activityId}` };
}

export interface WelcomeInput {
  userId: string;
  email: string;
}

export interface ReminderInput extends WelcomeInput {
  reminder: number;
}

export interface ResultNotice extends ApprovalResult {
  email: string;
}

/** Slower than the kit's default call timeout: the simulated bureau takes its time; below the activity's 30 s. */
const CREDIT_SCORE_TIMEOUT_MS = 25_000;

/** Every call goes to the worker's own sidecar (the kit's UpstreamClient), which picks the instance by Host. */
export function createOnboardingActivities(upstream: UpstreamClient) {
  const post = async <T>(service: string, path: string, body: unknown, options: { idempotent?: boolean; timeoutMs?: number } = {}): Promise<T> => {
    try {
      const response = await upstream.call<T>(service, {
        method: 'POST',
        path,
        body,
        ...(options.idempotent ? { headers: idempotencyKey() } : {}),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      });
      return response.body;
    } catch (error) {
      return asFailure(error);
    }
  };
  const notify = (request: NotificationRequest) => post<NotificationRecord>(SERVICE.notification, '/notifications', request, { idempotent: true });

  return {
    async sendWelcomeEmail(input: WelcomeInput): Promise<NotificationRecord> {
      return notify({ userId: input.userId, channel: 'email', template: 'welcome', data: { email: input.email } });
    },

    async sendProfileReminder(input: ReminderInput): Promise<NotificationRecord> {
      return notify({ userId: input.userId, channel: 'email', template: 'profile-reminder', data: { email: input.email, reminder: String(input.reminder) } });
    },

    async notifyUserOfResult(input: ResultNotice): Promise<NotificationRecord> {
      return notify({
        userId: input.userId,
        channel: 'email',
        template: 'onboarding-result',
        data: { email: input.email, decision: input.decision, reasons: input.reasons.join('; ') },
      });
    },

    async checkEligibility(request: EligibilityRequest): Promise<EligibilityResponse> {
      return post<EligibilityResponse>(SERVICE.approval, '/eligibility', request);
    },

    /** Heartbeats while the (slow) bureau call is in flight, so a lost worker is noticed within the heartbeat timeout. */
    async scoreCredit(request: CreditScoreRequest): Promise<CreditScoreResponse> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), 1000);
      try {
        return await post<CreditScoreResponse>(SERVICE.approval, '/credit-scores', request, { idempotent: true, timeoutMs: CREDIT_SCORE_TIMEOUT_MS });
      } finally {
        clearInterval(beat);
      }
    },

    async recordDecision(record: DecisionRecord): Promise<DecisionRecord> {
      return post<DecisionRecord>(SERVICE.approval, '/decisions', record, { idempotent: true });
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createOnboardingActivities>;
