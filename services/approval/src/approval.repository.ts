import type { DecisionRecord } from '@mesh/service-kit';

export interface CreditCheck {
  userId: string;
  outcome: 'scored' | 'unavailable';
  score?: number;
  latencyMs: number;
  checkedAt: string;
}

/** approval-service's storage: every decision (the latest per user is the current one) and every credit check. */
export interface ApprovalRepository {
  addDecision(record: DecisionRecord): Promise<void>;
  latestDecision(userId: string): Promise<DecisionRecord | undefined>;
  decisionHistory(userId: string): Promise<DecisionRecord[]>;
  addCreditCheck(check: CreditCheck): Promise<void>;
}

export const APPROVAL_REPOSITORY = Symbol('ApprovalRepository');
