import type { ConsulError } from './consul-errors';

/** How a Consul reader has fared: what /health and the watch state report. */
export interface ReadHealthState {
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
}

/** The success and failure bookkeeping that every Consul reader keeps the same way. */
export class ReadHealth {
  private current: ReadHealthState = {
    lastSuccessAt: undefined,
    lastError: undefined,
    lastErrorAt: undefined,
    consecutiveErrors: 0,
    failingSince: undefined,
    lastRead: undefined,
  };

  constructor(private readonly clock: () => number) {}

  get state(): ReadHealthState {
    return this.current;
  }

  get consecutiveErrors(): number {
    return this.current.consecutiveErrors;
  }

  succeeded(): void {
    this.current = { ...this.current, lastSuccessAt: new Date(this.clock()), consecutiveErrors: 0, failingSince: undefined };
  }

  failed(error: ConsulError): void {
    const at = new Date(this.clock());
    this.current = { ...this.current, lastError: error, lastErrorAt: at, consecutiveErrors: this.current.consecutiveErrors + 1, failingSince: this.current.failingSince ?? at };
  }

  /** A request that did not block took `latencyMs`. */
  read(latencyMs: number): void {
    this.current = { ...this.current, lastRead: { latencyMs, at: new Date(this.clock()) } };
  }
}
