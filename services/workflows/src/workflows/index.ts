/**
 * The workflow bundle's entry point. Temporal registers each export under its export name,
 * which is the workflow type in the onboarding contract (WORKFLOW).
 */
export { onboardUser as OnboardUser } from './onboard-user.workflow';
export { approvalWorkflow as ApprovalWorkflow } from './approval.workflow';
