import { ConsulConfigError } from './consul-errors';

export interface BackoffOptions {
  /** Delay before the first retry. Default 100 ms. */
  initialMs?: number;
  /** Ceiling of the delay. Default 5 s, so a restarted Consul is picked up within seconds. */
  maxMs?: number;
  /** Uniform [0, 1); injectable for tests. Default `Math.random`. */
  random?: () => number;
}

export const DEFAULT_BACKOFF = { initialMs: 100, maxMs: 5000 } as const;

/**
 * Delay before retry number `attempt` (1 = first retry): exponential, capped, with "equal
 * jitter" — half fixed, half random — so that many watches failing together (every health
 * watch when Consul goes down) spread out but never retry faster than half the schedule.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initialMs = options.initialMs ?? DEFAULT_BACKOFF.initialMs;
  const maxMs = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const random = options.random ?? Math.random;
  if (!Number.isInteger(attempt) || attempt < 1) throw new ConsulConfigError('backoff attempt', attempt, 'an integer >= 1');
  const exponent = Math.min(attempt - 1, 30);
  const base = Math.min(maxMs, initialMs * 2 ** exponent);
  return Math.round(base / 2 + random() * (base / 2));
}

/** Validates backoff settings once, at construction, rather than on the first outage. */
export function checkBackoffOptions(options: BackoffOptions): void {
  const { initialMs = DEFAULT_BACKOFF.initialMs, maxMs = DEFAULT_BACKOFF.maxMs } = options;
  if (!Number.isFinite(initialMs) || initialMs <= 0) throw new ConsulConfigError('backoff initialMs', initialMs, 'a finite number of milliseconds > 0');
  if (!Number.isFinite(maxMs) || maxMs < initialMs) throw new ConsulConfigError('backoff maxMs', maxMs, `a finite number of milliseconds >= initialMs (${initialMs})`);
}
