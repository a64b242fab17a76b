import { performance } from 'node:perf_hooks';
import { ConsulConfigError } from './consul-errors';

export interface TokenBucketOptions {
  /** Calls allowed back to back before the limit bites (the burst). Default 2. */
  capacity?: number;
  /** One token comes back every this many ms, so a loop that spins settles at one call per interval. Default 250. */
  refillIntervalMs?: number;
  /** Monotonic milliseconds; injectable for tests. Default `performance.now`. */
  now?: () => number;
}

export const DEFAULT_TOKEN_BUCKET: Readonly<Required<Omit<TokenBucketOptions, 'now'>>> = {
  capacity: 2,
  // Consul's docs suggest degrading to one query per ~15 s. Only answers that changed nothing
  // take a token (an answer with a change is followed at once), so a burst of changes passes
  // unhindered, and only a loop that Consul keeps answering without blocking and without a
  // change is held to 4 queries/s.
  refillIntervalMs: 250,
};

/**
 * A token bucket that rate-limits a loop without a fixed sleep: the first `capacity` calls go
 * straight through, then calls are spaced `refillIntervalMs` apart until the loop calms down.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly refillIntervalMs: number;
  private readonly now: () => number;
  private tokens: number;
  private updatedAt: number;

  constructor(options: TokenBucketOptions = {}) {
    this.capacity = options.capacity ?? DEFAULT_TOKEN_BUCKET.capacity;
    this.refillIntervalMs = options.refillIntervalMs ?? DEFAULT_TOKEN_BUCKET.refillIntervalMs;
    if (!Number.isInteger(this.capacity) || this.capacity < 1) {
      throw new ConsulConfigError('token bucket capacity', this.capacity, 'an integer >= 1');
    }
    if (!Number.isFinite(this.refillIntervalMs) || this.refillIntervalMs <= 0) {
      throw new ConsulConfigError('token bucket refillIntervalMs', this.refillIntervalMs, 'a finite number of milliseconds > 0');
    }
    this.now = options.now ?? (() => performance.now());
    this.tokens = this.capacity;
    this.updatedAt = this.now();
  }

  /** Tokens available right now (fractional while refilling). */
  get available(): number {
    this.refill();
    return Math.max(0, this.tokens);
  }

  /** Takes a token if one is available now; never waits. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /**
   * Takes the next token, now or in the future, and returns how many ms the caller must wait
   * before acting on it (0 = go now). Reservations queue up, so two callers never share a slot.
   */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil(-this.tokens * this.refillIntervalMs);
  }

  private refill(): void {
    const now = this.now();
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed / this.refillIntervalMs);
    this.updatedAt = now;
  }
}
