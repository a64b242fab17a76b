import type { Decision, EligibilityResponse } from '@mesh/service-kit/contract';

/** The lowest credit score that is approved. */
export const MIN_APPROVED_SCORE = 650;

export interface CreditDecision {
  decision: Decision;
  reasons: string[];
}

/**
 * Approval needs both an eligible applicant and a score at or above the threshold. The
 * reasons say which rule decided, so a rejection can be explained to the user.
 */
export function decide(eligibility: EligibilityResponse, score: number | undefined): CreditDecision {
  if (!eligibility.eligible) return { decision: 'rejected', reasons: [...eligibility.reasons] };
  if (score === undefined) return { decision: 'rejected', reasons: ['no credit score'] };
  if (score < MIN_APPROVED_SCORE) return { decision: 'rejected', reasons: [`credit score ${score} is below ${MIN_APPROVED_SCORE}`] };
  return { decision: 'approved', reasons: [`credit score ${score} is at least ${MIN_APPROVED_SCORE}`] };
}
