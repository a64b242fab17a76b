import { TypeUrl } from '../resources/type-url';

export interface WarmingGateOptions {
  /** The nonce of the stream's latest CDS response while it is unanswered. */
  awaitingClusters(): string | undefined;
  /** How long listeners and routes may wait for one CDS answer. */
  maxHoldMs: number;
  /** The wait for `nonce` ran out: what was held may go now. */
  onExpired(nonce: string): void;
  /** A wait ended, after `ms`: the proxy answered its clusters, or the wait ran out. */
  onReleased?(ms: number, outcome: 'answered' | 'expired'): void;
}

/** Envoy's default `initial_fetch_timeout`: a cluster whose endpoints never come is warm after it. */
export const DEFAULT_MAX_HOLD_MS = 15_000;

/**
 * Make-before-break for new clusters: listener and route responses wait while a CDS response is
 * unanswered. Envoy holds back its CDS ACK until every cluster that response added or changed
 * has warmed (its endpoints arrived), so the ACK says that a route naming them can take traffic;
 * a route that arrives earlier sends requests to a cluster still warming, and they get 503.
 * A client that never answers is not waited for forever: after `maxHoldMs` the gate stays open
 * until the next CDS response.
 */
export class WarmingGate {
  private timer: NodeJS.Timeout | undefined;
  /** The CDS response the running timer waits for. */
  private waitingFor: string | undefined;
  private since = 0;
  private expired: string | undefined;

  constructor(private readonly options: WarmingGateOptions) {}

  /** True when a response of this type must wait. */
  holds(typeUrl: TypeUrl): boolean {
    if (typeUrl !== TypeUrl.Listener && typeUrl !== TypeUrl.Route) return false;
    const nonce = this.options.awaitingClusters();
    if (nonce === undefined || nonce === this.expired) return false;
    if (this.waitingFor !== nonce) {
      this.release();
      this.waitingFor = nonce;
      this.since = performance.now();
      this.timer = setTimeout(() => {
        this.timer = this.waitingFor = undefined;
        this.expired = nonce;
        this.options.onReleased?.(this.options.maxHoldMs, 'expired');
        this.options.onExpired(nonce);
      }, this.options.maxHoldMs).unref();
    }
    return true;
  }

  /** The client answered a request: the wait ends if it answered the CDS response waited for. */
  answered(): void {
    if (this.waitingFor !== this.options.awaitingClusters()) this.release();
  }

  private release(): void {
    if (this.waitingFor !== undefined) this.options.onReleased?.(performance.now() - this.since, 'answered');
    this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = this.waitingFor = undefined;
  }
}
