import type { ActivityOptions } from '@temporalio/workflow';

/** Errors the activities mark as the caller's fault: retrying cannot help. */
export const NON_RETRYABLE = ['ServiceRejected'];

/** Calls to notification- and approval-service through the sidecar. */
export const SERVICE_CALL: ActivityOptions = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 30, nonRetryableErrorTypes: NON_RETRYABLE },
};

/**
 * Credit scoring is slow and fails now and then by design (approval-service simulates a
 * bureau): a longer timeout, heartbeats so a dead worker is noticed quickly, and retries.
 */
export const CREDIT_SCORING: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '5 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '5 seconds', maximumAttempts: 20, nonRetryableErrorTypes: NON_RETRYABLE },
};
