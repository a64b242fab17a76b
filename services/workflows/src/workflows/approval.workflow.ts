import { proxyActivities } from '@temporalio/workflow';
import type { ApprovalInput, ApprovalResult, DocumentKind } from '@mesh/service-kit/contract';
import type { OnboardingActivities } from '../activities/onboarding.activities';
import { CREDIT_SCORING, SERVICE_CALL } from './activity-options';
import { decide } from './credit-policy';
import { StepClock } from './step-clock';

const { checkEligibility, recordDecision } = proxyActivities<OnboardingActivities>(SERVICE_CALL);
const { scoreCredit } = proxyActivities<OnboardingActivities>(CREDIT_SCORING);

export type ApprovalStep = 'eligibility' | 'credit-score' | 'record-decision' | 'decided';

/** Eligibility, then (only for the eligible) a credit score, then the decision recorded in approval-service. */
export async function approvalWorkflow(input: ApprovalInput): Promise<ApprovalResult> {
  const clock = new StepClock<ApprovalStep>('eligibility');
  const documentKinds = [...new Set<DocumentKind>(input.documents.map((d) => d.kind))].sort();
  const eligibility = await checkEligibility({ userId: input.userId, profile: input.profile, documentKinds });

  let score: number | undefined;
  if (eligibility.eligible) {
    clock.enter('credit-score');
    score = (await scoreCredit({ userId: input.userId })).score;
  }

  clock.enter('record-decision');
  const { decision, reasons } = decide(eligibility, score);
  const creditScore = score ?? 0;
  await recordDecision({
    userId: input.userId,
    decision,
    creditScore,
    reasons,
    // Workflow time, so a replay records the same instant.
    decidedAt: new Date(Date.now()).toISOString(),
  });
  clock.enter('decided');
  return { userId: input.userId, decision, creditScore, reasons };
}
