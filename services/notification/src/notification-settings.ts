import { envInt, envNumber, envRange, type Env } from '@mesh/service-kit';

export interface NotificationSettings {
  /** Simulated provider latency per attempt (NOTIFICATION_LATENCY_MS, default 20-150). */
  latencyMs: { min: number; max: number };
  /** Share of attempts the simulated provider fails (NOTIFICATION_FAILURE_RATE, 0..1, default 0.05; tests set 0). */
  failureRate: number;
  /** Attempts per notification before it is marked failed (NOTIFICATION_MAX_ATTEMPTS, default 3). */
  maxAttempts: number;
  /** Delay before the first retry, doubling after (NOTIFICATION_RETRY_MS, default 200). */
  retryMs: number;
}

export const NOTIFICATION_SETTINGS = Symbol('NotificationSettings');

export function notificationSettings(env: Env = process.env): NotificationSettings {
  return {
    latencyMs: envRange(env, 'NOTIFICATION_LATENCY_MS', { min: 20, max: 150 }),
    failureRate: envNumber(env, 'NOTIFICATION_FAILURE_RATE', 0.05, { min: 0, max: 1 }),
    maxAttempts: envInt(env, 'NOTIFICATION_MAX_ATTEMPTS', 3, { min: 1, max: 20 }),
    retryMs: envInt(env, 'NOTIFICATION_RETRY_MS', 200, { min: 0 }),
  };
}

export interface RandomSource {
  next(): number;
}
export const RANDOM_SOURCE = Symbol('RandomSource');
export const mathRandom: RandomSource = { next: () => Math.random() };
