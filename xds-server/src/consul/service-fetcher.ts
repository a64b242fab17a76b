import { sleep } from './abortable-sleep';
import { type BackoffOptions, backoffDelay, checkBackoffOptions } from './backoff';
import type { BlockingQueryState } from './blocking-query';
import { ConsulConfigError, ConsulConsumerError, type ConsulError } from './consul-errors';
import { ReadHealth } from './read-health';
import { parseAnswer, READ_TIMEOUT_MS, readConsul } from './consul-read';
import type { ConsulTransport } from './consul-transport';
import { healthEntryNodes } from './health-entry-nodes';
import { parseHealthEntries } from './health-entries';
import { RefetchQueue, type RefetchJob, type RefetchPriority } from './refetch-queue';
import type { ServiceInstance } from './service-instance';

/**
 * Reads in flight at once. With the two blocking queries this keeps the control plane at 6
 * connections to its agent, far below the 200 per client a default agent allows, while a
 * start-up read of thousands of services still takes only seconds.
 */
export const DEFAULT_FETCH_CONCURRENCY = 4;

export function healthServicePath(service: string): string {
  return `/v1/health/service/${encodeURIComponent(service)}`;
}

/** One service as a non-blocking `/v1/health/service/:name` read found it. */
export interface ServiceRead {
  /** The instances to serve (critical ones removed), as parseHealthEntries gives them. */
  readonly instances: readonly ServiceInstance[];
  /** The nodes of every entry, critical ones included. */
  readonly nodes: readonly string[];
}

export interface ServiceFetcherOptions {
  transport: ConsulTransport;
  /** Called with every read that still counts (the service was not forgotten meanwhile). */
  onRead: (job: RefetchJob, read: ServiceRead) => void;
  /** Called when any read ends: counted, ignored (the service was forgotten) or failed. */
  onReadEnd?: () => void;
  /** Called on every failed read (the service is read again after a backoff), and when a callback throws (`service` undefined for onReadEnd). */
  onError?: (error: ConsulError, service: string | undefined) => void;
  concurrency?: number;
  backoff?: BackoffOptions;
  clock?: () => number;
}

/**
 * Reads the services it is told have changed, a bounded number at a time, coalescing repeated
 * marks (see RefetchQueue). A failed read goes back in the queue and every lane waits out an
 * exponential backoff with jitter, since a failure usually means Consul is down for all.
 */
export class ServiceFetcher {
  readonly concurrency: number;
  private readonly queue = new RefetchQueue();
  private readonly stopper = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly clock: () => number;
  private paused = true;
  private backingOff: Promise<void> | undefined;
  private readonly health: ReadHealth;

  constructor(private readonly options: ServiceFetcherOptions) {
    this.concurrency = options.concurrency ?? DEFAULT_FETCH_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new ConsulConfigError('service fetch concurrency', this.concurrency, 'an integer >= 1');
    }
    checkBackoffOptions(options.backoff ?? {});
    this.clock = options.clock ?? Date.now;
    this.health = new ReadHealth(this.clock);
  }

  /** Reads begin only once resumed, so that marks made before can be read in one go. */
  resume(): void {
    if (this.stopper.signal.aborted) return;
    this.paused = false;
    this.pump();
  }

  /** `since`: the raft index of the write behind the mark, if known (see RefetchJob). */
  mark(service: string, priority: RefetchPriority, markedAt: number, since?: bigint): void {
    this.queue.mark(service, priority, markedAt, since);
    this.pump();
  }

  forget(service: string): void {
    this.queue.forget(service);
  }

  /** A changed service is queued or being read. */
  get changesPending(): boolean {
    return this.queue.changesPending;
  }

  /** Reads in flight right now. */
  get reading(): number {
    return this.inFlight.size;
  }

  get state(): BlockingQueryState {
    return {
      index: '0',
      ...this.health.state,
      running: !this.stopper.signal.aborted,
    };
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await Promise.all([...this.inFlight, this.backingOff]);
  }

  private pump(): void {
    while (!this.paused && !this.backingOff && !this.stopper.signal.aborted && this.inFlight.size < this.concurrency) {
      const job = this.queue.take();
      if (!job) return;
      const read: Promise<void> = this.read(job).finally(() => {
        this.inFlight.delete(read);
        if (!this.stopper.signal.aborted) this.ended();
        this.pump();
      });
      this.inFlight.add(read);
    }
  }

  private async read(job: RefetchJob): Promise<void> {
    const signal = this.stopper.signal;
    const path = healthServicePath(job.service);
    let result: ServiceRead;
    let readIndex: bigint | undefined;
    try {
      const response = await readConsul(this.options.transport, { path, query: [], signal, timeoutMs: READ_TIMEOUT_MS });
      result = {
        instances: parseAnswer((body, at) => parseHealthEntries(body, at, job.service), response.body, path),
        nodes: parseAnswer(healthEntryNodes, response.body, path),
      };
      readIndex = response.index !== undefined && /^\d+$/.test(response.index) ? BigInt(response.index) : undefined;
      this.health.read(response.durationMs);
    } catch (error) {
      if (signal.aborted) return;
      this.queue.finish(job, false);
      this.recordFailure(error as ConsulError, job.service);
      return;
    }
    if (signal.aborted) return;
    this.recordSuccess();
    if (!this.queue.finish(job, true, readIndex)) return;
    try {
      this.options.onRead(job, result);
    } catch (error) {
      this.report(new ConsulConsumerError(path, { cause: error }), job.service);
    }
  }

  private ended(): void {
    try {
      this.options.onReadEnd?.();
    } catch (error) {
      this.report(new ConsulConsumerError('service reads', { cause: error }), undefined);
    }
  }

  private recordSuccess(): void {
    this.health.succeeded();
  }

  private recordFailure(error: ConsulError, service: string): void {
    this.health.failed(error);
    this.report(error, service);
    if (this.backingOff) return;
    const wait = sleep(backoffDelay(this.health.consecutiveErrors, this.options.backoff), this.stopper.signal).then(() => {
      this.backingOff = undefined;
      this.pump();
    });
    this.backingOff = wait;
  }

  private report(error: ConsulError, service: string | undefined): void {
    try {
      this.options.onError?.(error, service);
    } catch {
      // A throwing error reporter must not stop the reads.
    }
  }
}
