import { ApplicationFailure, Context } from '@temporalio/activity';
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
} from '@mesh/service-kit/dist/onboarding-contract';
import { ServiceCallError, type ServiceClient } from '../http/service-client';

/**
 * Turns a failed call into a Temporal failure: the service's own 4xx is final
 * (`ServiceRejected`, listed as non-retryable in the activity options); anything else —
 * 5xx, Envoy's local replies while a route or endpoint is missing, no answer — is retried.
 */
function asFailure(error: unknown): never {
  if (error instanceof ServiceCallError) {
    if (error.rejectedByService) throw ApplicationFailure.nonRetryable(error.message, 'ServiceRejected', { status: error.status, body: error.body });
    throw ApplicationFailure.retryable(error.message, 'ServiceUnavailable', { status: error.status ?? null });
  }
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

export function createOnboardingActivities(client: ServiceClient) {
  const notify = async (request: NotificationRequest): Promise<NotificationRecord> => {
    try {
      return await client.post<NotificationRecord>(SERVICE.notification, '/notifications', request, idempotencyKey());
    } catch (error) {
      return asFailure(error);
    }
  };

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
      try {
        return await client.post<EligibilityResponse>(SERVICE.approval, '/eligibility', request);
      } catch (error) {
        return asFailure(error);
      }
    },

    /** Heartbeats while the (slow) bureau call is in flight, so a lost worker is noticed within the heartbeat timeout. */
    async scoreCredit(request: CreditScoreRequest): Promise<CreditScoreResponse> {
      const context = Context.current();
      const beat = setInterval(() => context.heartbeat(), 1000);
      try {
        return await client.post<CreditScoreResponse>(SERVICE.approval, '/credit-scores', request, idempotencyKey());
      } catch (error) {
        return asFailure(error);
      } finally {
        clearInterval(beat);
      }
    },

    async recordDecision(record: DecisionRecord): Promise<DecisionRecord> {
      try {
        return await client.post<DecisionRecord>(SERVICE.approval, '/decisions', record, idempotencyKey());
      } catch (error) {
        return asFailure(error);
      }
    },
  };
}

export type OnboardingActivities = ReturnType<typeof createOnboardingActivities>;
