import { type BackoffOptions, backoffDelay, checkBackoffOptions } from './backoff';
import { nextIndex, parseConsulIndex } from './blocking-index';
import { ConsulConsumerError, type ConsulError } from './consul-errors';
import { ReadHealth, type ReadHealthState } from './read-health';
import { parseAnswer, READ_TIMEOUT_MS, readConsul } from './consul-read';
import { parseConsulWait } from './consul-duration';
import { sleep } from './abortable-sleep';
import type { ConsulTransport } from './consul-transport';
import { stableHash } from './stable-hash';
import { TokenBucket, type TokenBucketOptions } from './token-bucket';

/**
 * 55 s: long enough to keep idle load low, short enough (with Consul's wait/16 jitter and our
 * margin) to stay under the 60 s idle timeouts that proxies and load balancers commonly use.
 */
export const DEFAULT_WAIT = '55s';

/** Slack on top of `wait` + Consul's jitter before a blocking request counts as hung. */
const TIMEOUT_MARGIN_MS = 5000;

export interface ChangeInfo {
  /** The X-Consul-Index of the answer that carried the change (decimal: a uint64, and JSON-safe for logs). */
  readonly index: string;
  /** Wall-clock ms (epoch) when the answer was received: the start of Consul-change-to-Envoy latency. */
  readonly observedAt: number;
}

/** Every successful answer, changed or not: what a consumer that follows the index itself needs. */
export interface AnswerInfo {
  /** The index sent; 0 for a fresh, non-blocking read. */
  readonly sent: bigint;
  /** The X-Consul-Index returned. */
  readonly returned: bigint;
  /** Whether the content differed from the previous answer and reached `onChange`. */
  readonly changed: boolean;
  readonly observedAt: number;
}

export interface BlockingQueryState extends ReadHealthState {
  /** Index the next request sends, in decimal; "0" = a fresh non-blocking read. */
  readonly index: string;
  readonly running: boolean;
}

export interface BlockingQueryOptions<T> {
  transport: ConsulTransport;
  /** GET path, e.g. `/v1/catalog/services`; already URL-encoded. */
  path: string;
  /** Turns the JSON body into the value handed to `onChange`; throws ConsulResponseError on a bad shape. */
  parse: (body: unknown, path: string) => T;
  /** Called with each value whose content differs from the previous one (the first value always counts). */
  onChange: (value: T, info: ChangeInfo) => void;
  /**
   * What "the same content" means: equal keys. Default stableHash, which does not depend on
   * key order; a parser that already yields a canonical form can offer something cheaper.
   */
  contentKey?: (value: T) => string;
  /** Called after every successful answer, after `onChange` when the content changed. */
  onAnswer?: (info: AnswerInfo) => void;
  /** Called on every failed request and on consumer errors; the loop keeps going. */
  onError?: (error: ConsulError, state: BlockingQueryState) => void;
  /** Consul `wait` per request. Default 55s. */
  wait?: string;
  /**
   * A TokenBucket to share between loops, or settings for one of this loop's own. Only an answer
   * that changed nothing takes a token: one that carried a change is followed by the next
   * request at once, so a burst of real changes is never held back.
   */
  rateLimit?: TokenBucket | TokenBucketOptions;
  backoff?: BackoffOptions;
  /** Wall clock for `observedAt` and the state's dates; injectable for tests. Default `Date.now`. */
  clock?: () => number;
}

/**
 * One Consul blocking query, repeated until stopped: `?index=&wait=`, index sanity rules,
 * content comparison so that no-op returns stay silent, a token-bucket rate limit on those
 * no-op returns, and backoff with jitter while Consul is failing. The last good value stays
 * available throughout.
 */
export class BlockingQuery<T> {
  readonly path: string;
  private readonly waitMs: number;
  private readonly wait: string;
  private readonly bucket: TokenBucket;
  private readonly clock: () => number;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;

  private index = 0n;
  private contentHash: string | undefined;
  private value: T | undefined;
  private readonly health: ReadHealth;

  constructor(private readonly options: BlockingQueryOptions<T>) {
    this.path = options.path;
    this.wait = options.wait ?? DEFAULT_WAIT;
    this.waitMs = parseConsulWait(this.wait);
    this.bucket = options.rateLimit instanceof TokenBucket ? options.rateLimit : new TokenBucket(options.rateLimit);
    checkBackoffOptions(options.backoff ?? {});
    this.clock = options.clock ?? Date.now;
    this.health = new ReadHealth(this.clock);
  }

  /** Starts the loop; calling it again is a no-op. */
  start(): void {
    if (this.loop || this.stopper.signal.aborted) return;
    this.loop = this.run();
  }

  /** Aborts the request in flight and any wait, and resolves once the loop has ended. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** The last value delivered to `onChange`, kept while Consul is failing. */
  get current(): T | undefined {
    return this.value;
  }

  get state(): BlockingQueryState {
    return {
      index: this.index.toString(),
      ...this.health.state,
      running: this.loop !== undefined && !this.stopper.signal.aborted,
    };
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    let pause = 0;
    while (!signal.aborted) {
      await sleep(pause, signal);
      if (signal.aborted) return;
      const sent = this.index;
      let answer: { value: T; returned: bigint };
      try {
        answer = await this.fetchOnce(sent, signal);
      } catch (error) {
        if (signal.aborted) return;
        this.recordFailure(error as ConsulError);
        // After a failure the agent may have restarted with a lower raft index. A blocking
        // query with our old, higher index would then hang until the new agent caught up,
        // so the retry is a plain read; the content comparison suppresses a spurious change.
        this.index = 0n;
        pause = 0;
        await sleep(backoffDelay(this.health.consecutiveErrors, this.options.backoff), signal);
        continue;
      }
      if (signal.aborted) return;
      const { value, returned } = answer;
      this.recordSuccess();
      this.index = nextIndex(sent, returned);
      const observedAt = this.clock();
      const changed = this.deliver(value, returned, observedAt);
      this.announce({ sent, returned, changed, observedAt });
      // An answer without a change is what a spinning loop looks like (a Consul that does not
      // block, an index that keeps moving for nothing); one with a change never is.
      pause = changed ? 0 : this.bucket.reserve();
    }
  }

  /** One request; rejects only with a ConsulError (or anything at all once stopped). */
  private async fetchOnce(sent: bigint, signal: AbortSignal): Promise<{ value: T; returned: bigint }> {
    const response = await readConsul(this.options.transport, {
      path: this.path,
      query: sent === 0n ? [] : [['index', sent.toString()], ['wait', this.wait]],
      signal,
      timeoutMs: sent === 0n ? READ_TIMEOUT_MS : this.waitMs + Math.ceil(this.waitMs / 16) + TIMEOUT_MARGIN_MS,
    });
    const returned = parseConsulIndex(response.index, this.path);
    const value = parseAnswer(this.options.parse, response.body, this.path);
    if (sent === 0n) this.health.read(response.durationMs);
    return { value, returned };
  }

  /** True when the content changed and the consumer took it. */
  private deliver(value: T, index: bigint, observedAt: number): boolean {
    const hash = (this.options.contentKey ?? stableHash)(value);
    if (hash === this.contentHash) return false;
    try {
      this.options.onChange(value, { index: index.toString(), observedAt });
    } catch (error) {
      // Leave the hash alone so the same content is offered again on the next answer.
      this.report(new ConsulConsumerError(this.path, { cause: error }));
      return false;
    }
    this.contentHash = hash;
    this.value = value;
    return true;
  }

  private announce(info: AnswerInfo): void {
    try {
      this.options.onAnswer?.(info);
    } catch (error) {
      this.report(new ConsulConsumerError(this.path, { cause: error }));
    }
  }

  private recordSuccess(): void {
    this.health.succeeded();
  }

  private recordFailure(error: ConsulError): void {
    this.health.failed(error);
    this.report(error);
  }

  private report(error: ConsulError): void {
    try {
      this.options.onError?.(error, this.state);
    } catch {
      // A throwing error reporter must not kill the watch it reports on.
    }
  }
}
