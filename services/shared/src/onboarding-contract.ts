/**
 * The contract between the demo services and the Temporal worker: workflow, signal and
 * query names, the task queue, and the HTTP shapes the activities call. Both sides import
 * it, so a rename cannot leave one side behind.
 */

/** Consul service names of the demo platform (also the DSL's service keys). */
export const SERVICE = {
  auth: 'auth',
  user: 'user',
  document: 'document',
  approval: 'approval',
  notification: 'notification',
  workflows: 'workflows',
} as const;
export type ServiceName = (typeof SERVICE)[keyof typeof SERVICE];

export const TASK_QUEUE = 'onboarding';

export const WORKFLOW = {
  onboardUser: 'OnboardUser',
  approval: 'ApprovalWorkflow',
} as const;

/** One OnboardUser per user; the id lets services signal it without storing run ids. */
export function onboardingWorkflowId(userId: string): string {
  return `onboard-${userId}`;
}

export const SIGNAL = {
  profileCompleted: 'profileCompleted',
  documentUploaded: 'documentUploaded',
} as const;

export const QUERY = {
  status: 'status',
} as const;

export interface OnboardUserInput {
  userId: string;
  email: string;
  /** Milliseconds before a reminder is sent while waiting for the profile (default 24 h). */
  profileReminderAfterMs?: number;
}

export interface ProfileCompletedSignal {
  name: string;
  address: string;
  contact: string;
}

export type DocumentKind = 'id' | 'income' | 'tax';

export interface DocumentUploadedSignal {
  documentId: string;
  kind: DocumentKind;
}

export type OnboardingStep =
  | 'welcome'
  | 'awaiting-profile'
  | 'awaiting-document'
  | 'approval'
  | 'notifying'
  | 'completed';

export type Decision = 'approved' | 'rejected';

export interface OnboardingStatus {
  step: OnboardingStep;
  decision?: Decision;
  remindersSent: number;
}

export interface ApprovalInput {
  userId: string;
  profile: ProfileCompletedSignal;
  documents: DocumentUploadedSignal[];
}

export interface ApprovalResult {
  userId: string;
  decision: Decision;
  creditScore: number;
  reasons: string[];
}

/** approval-service: POST /eligibility */
export interface EligibilityRequest {
  userId: string;
  profile: ProfileCompletedSignal;
  documentKinds: DocumentKind[];
}
export interface EligibilityResponse {
  eligible: boolean;
  reasons: string[];
}

/** approval-service: POST /credit-scores (simulated latency and occasional 503s) */
export interface CreditScoreRequest {
  userId: string;
}
export interface CreditScoreResponse {
  userId: string;
  score: number;
}

/** approval-service: POST /decisions, GET /decisions/:userId */
export interface DecisionRecord {
  userId: string;
  decision: Decision;
  creditScore: number;
  reasons: string[];
  decidedAt: string;
}

export type NotificationChannel = 'email' | 'sms' | 'push';

/** notification-service: POST /notifications (202, delivered asynchronously), GET /notifications?userId= */
export interface NotificationRequest {
  userId: string;
  channel: NotificationChannel;
  template: 'welcome' | 'profile-reminder' | 'onboarding-result';
  data?: Record<string, string>;
}
export interface NotificationRecord extends NotificationRequest {
  id: string;
  status: 'queued' | 'delivered' | 'failed';
  createdAt: string;
  deliveredAt?: string;
}
