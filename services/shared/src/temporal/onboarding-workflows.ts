import { HttpStatus } from '@nestjs/common';
import { ApiError } from '../errors/api-error';
import type { DocumentUploadedSignal, OnboardingStatus, OnboardUserInput, ProfileCompletedSignal } from '../onboarding-contract';

/** The onboarding workflow as user- and document-service see it; Temporal behind it, a fake in unit tests. */
export interface OnboardingWorkflows {
  /** Starts OnboardUser for the user; starting it again for the same user is not an error. */
  start(input: OnboardUserInput): Promise<void>;
  signalProfileCompleted(userId: string, profile: ProfileCompletedSignal): Promise<void>;
  signalDocumentUploaded(userId: string, document: DocumentUploadedSignal): Promise<void>;
  describe(userId: string): Promise<OnboardingDescription>;
}

export interface OnboardingDescription {
  /** Temporal's execution status, e.g. RUNNING, COMPLETED, FAILED. */
  executionStatus: string;
  /** The workflow's `status` query; absent when it could not be answered (e.g. no worker polling). */
  status?: OnboardingStatus;
  queryError?: string;
}

export const ONBOARDING_WORKFLOWS = Symbol('OnboardingWorkflows');

/** The user has no onboarding workflow (POST /users starts it). */
export class WorkflowNotStartedError extends Error {
  constructor(readonly userId: string) {
    super(`No running onboarding workflow for user ${userId}: POST /users starts one, and a finished one takes no more signals.`);
    this.name = 'WorkflowNotStartedError';
  }
}

/** Temporal could not be reached or refused the call. */
export class WorkflowEngineError extends Error {
  constructor(operation: string, cause: unknown) {
    super(`Temporal ${operation} failed: ${describeCause(cause)}. Check that Temporal runs at TEMPORAL_ADDRESS.`);
    this.name = 'WorkflowEngineError';
  }
}

/** The message of an error and of its causes: Temporal's own messages say little without the gRPC status beneath. */
function describeCause(cause: unknown): string {
  const parts: string[] = [];
  for (let current: unknown = cause; current !== undefined && parts.length < 4; current = current instanceof Error ? current.cause : undefined) {
    parts.push(current instanceof Error ? current.message : String(current));
  }
  return parts.join(': ');
}

/** The HTTP answer for a workflow failure: 409 when there is no running workflow, 503 when Temporal is unreachable. */
export function workflowHttpError(error: unknown): unknown {
  if (error instanceof WorkflowNotStartedError) return new ApiError(HttpStatus.CONFLICT, 'WORKFLOW_NOT_RUNNING', error.message);
  if (error instanceof WorkflowEngineError) return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'WORKFLOW_ENGINE_UNAVAILABLE', error.message);
  return error;
}
