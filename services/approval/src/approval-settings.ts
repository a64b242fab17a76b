import { envNumber, envRange, type Env } from '@mesh/service-kit';

export interface ApprovalSettings {
  /** Simulated credit bureau latency, uniformly drawn (CREDIT_SCORE_LATENCY_MS, default 50-300). */
  creditScoreLatencyMs: { min: number; max: number };
  /** Share of credit score requests answered 503 (CREDIT_SCORE_FAILURE_RATE, 0..1, default 0.1; tests set 0). */
  creditScoreFailureRate: number;
}

export const APPROVAL_SETTINGS = Symbol('ApprovalSettings');

export function approvalSettings(env: Env = process.env): ApprovalSettings {
  return {
    creditScoreLatencyMs: envRange(env, 'CREDIT_SCORE_LATENCY_MS', { min: 50, max: 300 }),
    creditScoreFailureRate: envNumber(env, 'CREDIT_SCORE_FAILURE_RATE', 0.1, { min: 0, max: 1 }),
  };
}

/** Randomness behind the simulation, replaceable in tests. */
export interface RandomSource {
  /** Uniform in [0, 1). */
  next(): number;
}
export const RANDOM_SOURCE = Symbol('RandomSource');
export const mathRandom: RandomSource = { next: () => Math.random() };
