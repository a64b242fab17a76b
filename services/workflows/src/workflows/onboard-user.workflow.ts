import { condition, defineQuery, defineSignal, executeChild, log, proxyActivities, setHandler } from '@temporalio/workflow';
import {
  QUERY,
  SIGNAL,
  TASK_QUEUE,
  WORKFLOW,
  type ApprovalResult,
  type DocumentUploadedSignal,
  type OnboardingStatus,
  type OnboardingStep,
  type OnboardUserInput,
  type ProfileCompletedSignal,
} from '@mesh/service-kit/contract';
import type { OnboardingActivities } from '../activities/onboarding.activities';
import { SERVICE_CALL } from './activity-options';
import type { approvalWorkflow } from './approval.workflow';
import { StepClock } from './step-clock';

const { sendWelcomeEmail, sendProfileReminder, notifyUserOfResult } = proxyActivities<OnboardingActivities>(SERVICE_CALL);

export const profileCompleted = defineSignal<[ProfileCompletedSignal]>(SIGNAL.profileCompleted);
export const documentUploaded = defineSignal<[DocumentUploadedSignal]>(SIGNAL.documentUploaded);
export const status = defineQuery<OnboardingStatus>(QUERY.status);

export const DEFAULT_PROFILE_REMINDER_MS = 24 * 60 * 60 * 1000;
/** After this many reminders the workflow keeps waiting, silently. */
export const MAX_PROFILE_REMINDERS = 3;

/** The child's id: one approval per onboarding, found next to its parent in `temporal workflow list`. */
export function approvalWorkflowId(userId: string): string {
  return `approval-${userId}`;
}

/**
 * Welcome email, then the profile (reminding the user every `profileReminderAfterMs`, at most
 * MAX_PROFILE_REMINDERS times), then at least one document, then the approval child
 * workflow, then the result notice. Signals are accepted in any order and at any time.
 */
export async function onboardUser(input: OnboardUserInput): Promise<ApprovalResult> {
  const clock = new StepClock<OnboardingStep>('welcome');
  let remindersSent = 0;
  let decision: ApprovalResult['decision'] | undefined;
  let profile: ProfileCompletedSignal | undefined;
  const documents: DocumentUploadedSignal[] = [];

  setHandler(status, (): OnboardingStatus => ({ step: clock.step, remindersSent, ...(decision ? { decision } : {}) }));
  // The latest profile wins while approval has not started; later ones are ignored.
  setHandler(profileCompleted, (signal) => {
    if (clock.step === 'welcome' || clock.step === 'awaiting-profile' || clock.step === 'awaiting-document') profile = signal;
  });
  setHandler(documentUploaded, (signal) => {
    if (!documents.some((d) => d.documentId === signal.documentId)) documents.push(signal);
  });

  await sendWelcomeEmail({ userId: input.userId, email: input.email });

  clock.enter('awaiting-profile');
  const reminderAfterMs = input.profileReminderAfterMs ?? DEFAULT_PROFILE_REMINDER_MS;
  while (!(await condition(() => profile !== undefined, reminderAfterMs))) {
    if (remindersSent >= MAX_PROFILE_REMINDERS) {
      await condition(() => profile !== undefined);
      break;
    }
    remindersSent += 1;
    log.info('profile not completed yet, reminding', { userId: input.userId, reminder: remindersSent });
    await sendProfileReminder({ userId: input.userId, email: input.email, reminder: remindersSent });
  }

  clock.enter('awaiting-document');
  await condition(() => documents.length > 0);

  clock.enter('approval');
  const result = await executeChild<typeof approvalWorkflow>(WORKFLOW.approval, {
    workflowId: approvalWorkflowId(input.userId),
    taskQueue: TASK_QUEUE,
    args: [{ userId: input.userId, profile: profile as ProfileCompletedSignal, documents: [...documents] }],
  });
  decision = result.decision;

  clock.enter('notifying');
  await notifyUserOfResult({ ...result, email: input.email });

  clock.enter('completed');
  return result;
}
