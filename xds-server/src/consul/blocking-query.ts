import { type BackoffOptions, backoffDelay, checkBackoffOptions } from './backoff';
import { nextIndex, parseConsulIndex } from './blocking-index';
import { ConsulConsumerError, ConsulError, ConsulResponseError, ConsulUnreachableError, errorMessage } from './consul-errors';
import { parseConsulWait } from './consul-duration';
import type { ConsulResponse, ConsulTransport } from './consul-transport';
import { stableHash } from './stable-hash';
import { TokenBucket, type TokenBucketOptions } from './token-bucket';

/**
 * 55 s: long enough to keep idle load low, short enough (with Consul's wait/16 jitter and our
 * margin) to stay under the 60 s idle timeouts that proxies and load balancers commonly use.
 */
export const DEFAULT_WAIT = '55s';

/** Slack on top of `wait` + Consul's jitter before a blocking request counts as hung. */
const TIMEOUT_MARGIN_MS = 5000;
/** Timeout of a non-blocking read (the first one, and the one after an index reset). */
const READ_TIMEOUT_MS = 10_000;

export interface ChangeInfo {
  /** The X-Consul-Index of the answer that carried the change (decimal: a uint64, and JSON-safe for logs). */
  readonly index: string;
  /** Wall-clock ms (epoch) when the answer was received: the start of Consul-change-to-Envoy latency. */
  readonly observedAt: number;
}

export interface BlockingQueryState {
  /** Index the next request sends, in decimal; "0" = a fresh non-blocking read. */
  readonly index: string;
  readonly lastSuccessAt: Date | undefined;
  /** The most recent failure; kept after recovery for diagnosis. */
  readonly lastError: ConsulError | undefined;
  readonly lastErrorAt: Date | undefined;
  /** Failed requests since the last success; > 0 means the watch is serving stale data. */
  readonly consecutiveErrors: number;
  /** When the current run of failures began; undefined while healthy. */
  readonly failingSince: Date | undefined;
  /**
   * The last successful request that did not block (first read, read after an index reset),
   * as a measure of Consul's latency: a blocking request's duration is the wait, not the latency.
   */
  readonly lastRead: { readonly latencyMs: number; readonly at: Date } | undefined;
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
  /** Called on every failed request and on consumer errors; the loop keeps going. */
  onError?: (error: ConsulError, state: BlockingQueryState) => void;
  /** Consul `wait` per request. Default 55s. */
  wait?: string;
  /** A TokenBucket to share between loops, or settings for one of this loop's own. */
  rateLimit?: TokenBucket | TokenBucketOptions;
  backoff?: BackoffOptions;
  /** Wall clock for `observedAt` and the state's dates; injectable for tests. Default `Date.now`. */
  clock?: () => number;
}

/**
 * One Consul blocking query, repeated until stopped: `?index=&wait=`, index sanity rules,
 * token-bucket rate limit, content comparison so that no-op returns stay silent, and backoff
 * with jitter while Consul is failing. The last good value stays available throughout.
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
  private lastSuccessAt: Date | undefined;
  private lastError: ConsulError | undefined;
  private lastErrorAt: Date | undefined;
  private consecutiveErrors = 0;
  private failingSince: Date | undefined;
  private lastRead: { readonly latencyMs: number; readonly at: Date } | undefined;

  constructor(private readonly options: BlockingQueryOptions<T>) {
    this.path = options.path;
    this.wait = options.wait ?? DEFAULT_WAIT;
    this.waitMs = parseConsulWait(this.wait);
    this.bucket = options.rateLimit instanceof TokenBucket ? options.rateLimit : new TokenBucket(options.rateLimit);
    checkBackoffOptions(options.backoff ?? {});
    this.clock = options.clock ?? Date.now;
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
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
      consecutiveErrors: this.consecutiveErrors,
      failingSince: this.failingSince,
      lastRead: this.lastRead,
      running: this.loop !== undefined && !this.stopper.signal.aborted,
    };
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      await sleep(this.bucket.reserve(), signal);
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
        await sleep(backoffDelay(this.consecutiveErrors, this.options.backoff), signal);
        continue;
      }
      if (signal.aborted) return;
      const { value, returned } = answer;
      this.recordSuccess();
      this.index = nextIndex(sent, returned);
      this.deliver(value, returned);
    }
  }

  /** One request; rejects only with a ConsulError (or anything at all once stopped). */
  private async fetchOnce(sent: bigint, signal: AbortSignal): Promise<{ value: T; returned: bigint }> {
    const { transport } = this.options;
    let response: ConsulResponse;
    try {
      response = await transport.get({
        path: this.path,
        query: sent === 0n ? [] : [['index', sent.toString()], ['wait', this.wait]],
        signal,
        timeoutMs: sent === 0n ? READ_TIMEOUT_MS : this.waitMs + Math.ceil(this.waitMs / 16) + TIMEOUT_MARGIN_MS,
      });
    } catch (error) {
      // A transport other than ours might not keep the ConsulError contract; an unknown failure there is a network one.
      throw error instanceof ConsulError ? error : new ConsulUnreachableError(transport.address, this.path, errorMessage(error), { cause: error });
    }
    const returned = parseConsulIndex(response.index, this.path);
    let value: T;
    try {
      value = this.options.parse(response.body, this.path);
    } catch (error) {
      throw error instanceof ConsulError ? error : new ConsulResponseError(this.path, errorMessage(error));
    }
    if (sent === 0n) this.lastRead = { latencyMs: response.durationMs, at: new Date(this.clock()) };
    return { value, returned };
  }

  private deliver(value: T, index: bigint): void {
    const hash = stableHash(value);
    if (hash === this.contentHash) return;
    try {
      this.options.onChange(value, { index: index.toString(), observedAt: this.clock() });
    } catch (error) {
      // Leave the hash alone so the same content is offered again on the next answer.
      this.report(new ConsulConsumerError(this.path, { cause: error }));
      return;
    }
    this.contentHash = hash;
    this.value = value;
  }

  private recordSuccess(): void {
    this.lastSuccessAt = new Date(this.clock());
    this.consecutiveErrors = 0;
    this.failingSince = undefined;
  }

  private recordFailure(error: ConsulError): void {
    const at = new Date(this.clock());
    this.lastError = error;
    this.lastErrorAt = at;
    this.consecutiveErrors += 1;
    this.failingSince ??= at;
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

/** setTimeout that ends early, and clears its timer, when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
