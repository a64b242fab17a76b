import type { BackoffOptions } from './backoff';
import { BlockingQuery, type BlockingQueryState, type ChangeInfo } from './blocking-query';
import { CA_ROOTS_PATH, type CaRoots, type LeafCert, leafCertPath, parseCaRoots, parseLeafCert } from './connect-ca';
import { buildCaSnapshot, type ConnectCaSnapshot } from './connect-ca-snapshot';
import { ConsulConfigError, ConsulConsumerError, type ConsulError } from './consul-errors';
import type { ConsulTransport } from './consul-transport';
import type { TokenBucketOptions } from './token-bucket';

export type { ConnectCaSnapshot } from './connect-ca-snapshot';

const HOUR_MS = 3_600_000;

/**
 * When a certificate that cannot be renewed (its watch is failing) counts as expiring:
 * once the time left is at most max(fraction × lifetime, minimumMs). Consul's agent renews a
 * leaf between 60 % and 90 % of its lifetime, so a healthy watch never gets near the default
 * 20 %; the 1 h floor gives an operator at least an hour's notice for short-lived leaves
 * (Consul's minimum leaf TTL is 1 h, so such a leaf warns as soon as its renewal fails).
 */
export interface ExpiryWarningOptions {
  /** Default 0.2. */
  fraction?: number;
  /** Default 1 h. */
  minimumMs?: number;
}

export interface ConnectCaWatcherOptions {
  transport: ConsulTransport;
  /** Called with every snapshot that differs from the previous one. */
  onSnapshot: (snapshot: ConnectCaSnapshot) => void;
  /** Called on every failed request of any watch (`watch` is `roots` or `leaf:<service>`). */
  onError?: (error: ConsulError, watch: string) => void;
  /** Consul `wait` per blocking request. Default 55s. */
  wait?: string;
  /** Rate limit of each watch (each has its own bucket). */
  rateLimit?: TokenBucketOptions;
  backoff?: BackoffOptions;
  expiryWarning?: ExpiryWarningOptions;
  /** Wall clock, epoch ms, also used to judge expiry. Default `Date.now`. */
  clock?: () => number;
}

export interface CaWatchStatus extends BlockingQueryState {
  /** `roots` or `leaf:<service>`. */
  readonly name: string;
  readonly path: string;
}

export interface CaRootStatus {
  readonly id: string;
  readonly serialNumber: string;
  readonly active: boolean;
  readonly notAfter: Date;
}

export interface LeafStatus {
  readonly service: string;
  readonly serviceUri: string;
  readonly serialNumber: string;
  readonly validAfter: Date;
  readonly validBefore: Date;
  readonly remainingMs: number;
  /** False while the leaf's watch is failing: Consul cannot hand out a renewed certificate. */
  readonly renewable: boolean;
}

export interface CertificateWarning {
  /** `leaf:<service>` or `root:<id>`. */
  readonly certificate: string;
  readonly kind: 'expiring' | 'expired';
  readonly expiresAt: Date;
  readonly remainingMs: number;
  readonly message: string;
}

/** What /health and /info need. Carries no private key, so it may be serialised as is. */
export interface ConnectCaStatus {
  readonly address: string;
  readonly trustDomain: string | undefined;
  readonly activeRootId: string | undefined;
  /** Version of the last snapshot emitted. */
  readonly version: string | undefined;
  readonly watches: readonly CaWatchStatus[];
  readonly roots: readonly CaRootStatus[];
  /** The leaves being served (the last good ones while their watch fails), in service order. */
  readonly leaves: readonly LeafStatus[];
  readonly warnings: readonly CertificateWarning[];
}

/**
 * Follows Consul's Connect CA: one blocking watch on the trust bundle and one per service leaf
 * certificate, for the services `setServices` names (the mesh services that have sidecars).
 * Emits an immutable snapshot on every real change: a root rotation, a renewed leaf, a leaf
 * added or removed. While Consul or its CA is unreachable the last good certificates stay in
 * the snapshot, and `status()` warns about those that will expire before they can be renewed.
 *
 * The first snapshot waits for the roots and for every leaf asked for so far, so that the mesh
 * does not start with half its certificates; a leaf watch that fails stops holding it back.
 */
export class ConnectCaWatcher {
  private readonly rootsQuery: BlockingQuery<CaRoots>;
  private readonly leafQueries = new Map<string, BlockingQuery<LeafCert>>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly leaves = new Map<string, LeafCert>();
  private readonly changedLeaves = new Set<string>();
  private readonly warnFraction: number;
  private readonly warnMinimumMs: number;
  private readonly clock: () => number;
  private roots: CaRoots | undefined;
  private rootsChanged = false;
  private pendingObservedAt: number | undefined;
  private last: ConnectCaSnapshot | undefined;
  private started = false;
  private stopped = false;

  constructor(private readonly options: ConnectCaWatcherOptions) {
    this.warnFraction = options.expiryWarning?.fraction ?? 0.2;
    this.warnMinimumMs = options.expiryWarning?.minimumMs ?? HOUR_MS;
    if (!(this.warnFraction >= 0 && this.warnFraction <= 1)) {
      throw new ConsulConfigError('expiryWarning.fraction', options.expiryWarning?.fraction, 'a number from 0 to 1 (0.2 warns in the last fifth of a lifetime)');
    }
    if (!(this.warnMinimumMs >= 0 && Number.isFinite(this.warnMinimumMs))) {
      throw new ConsulConfigError('expiryWarning.minimumMs', options.expiryWarning?.minimumMs, 'a finite number of milliseconds, 0 or more');
    }
    this.clock = options.clock ?? Date.now;
    this.rootsQuery = new BlockingQuery({
      ...this.queryOptions('roots'),
      path: CA_ROOTS_PATH,
      parse: parseCaRoots,
      onChange: (roots, info) => this.onRoots(roots, info),
    });
  }

  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.rootsQuery.start();
    for (const query of this.leafQueries.values()) query.start();
  }

  /** Stops every watch and resolves once no request or timer of theirs is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [this.rootsQuery.stop(), ...[...this.leafQueries.values()].map((q) => q.stop()), ...this.stopping];
    this.leafQueries.clear();
    await Promise.all(all);
  }

  /**
   * The services that need a leaf certificate. Watches start for new names and stop for
   * names no longer listed; a removed service's leaf leaves the next snapshot.
   */
  setServices(services: Iterable<string>): void {
    if (this.stopped) return;
    const wanted = new Set(services);
    const now = this.clock();
    for (const [service, query] of this.leafQueries) {
      if (wanted.has(service)) continue;
      this.leafQueries.delete(service);
      const stop = query.stop().finally(() => this.stopping.delete(stop));
      this.stopping.add(stop);
      if (this.leaves.delete(service)) this.note(service, now);
    }
    for (const service of [...wanted].sort()) if (!this.leafQueries.has(service)) this.startLeafWatch(service);
    this.flush();
  }

  /** The last snapshot emitted; still there while Consul is down. */
  get snapshot(): ConnectCaSnapshot | undefined {
    return this.last;
  }

  status(): ConnectCaStatus {
    const now = this.clock();
    const watches: CaWatchStatus[] = [{ name: 'roots', path: CA_ROOTS_PATH, ...this.rootsQuery.state }];
    const leaves: LeafStatus[] = [];
    const warnings: CertificateWarning[] = [];
    for (const [service, query] of [...this.leafQueries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const state = query.state;
      watches.push({ name: `leaf:${service}`, path: query.path, ...state });
      const leaf = this.last?.leaves.get(service);
      if (!leaf) continue;
      const renewable = state.consecutiveErrors === 0;
      leaves.push({
        service,
        serviceUri: leaf.serviceUri,
        serialNumber: leaf.serialNumber,
        validAfter: new Date(leaf.validAfterMs),
        validBefore: new Date(leaf.validBeforeMs),
        remainingMs: leaf.validBeforeMs - now,
        renewable,
      });
      const warning = this.expiryWarning(`leaf:${service}`, leaf.validAfterMs, leaf.validBeforeMs, renewable, now);
      if (warning) warnings.push(warning);
    }
    const snapshot = this.last;
    const active = snapshot?.roots.find((root) => root.id === snapshot.activeRootId);
    if (active) {
      // Only the active root matters: the ones rotated out sign nothing new and Consul prunes them.
      const warning = this.expiryWarning(`root:${active.id}`, active.notBeforeMs, active.notAfterMs, this.rootsQuery.state.consecutiveErrors === 0, now);
      if (warning) warnings.push(warning);
    }
    return {
      address: this.options.transport.address,
      trustDomain: snapshot?.trustDomain,
      activeRootId: snapshot?.activeRootId,
      version: snapshot?.version,
      watches,
      roots: (snapshot?.roots ?? []).map((root) => ({ id: root.id, serialNumber: root.serialNumber, active: root.active, notAfter: new Date(root.notAfterMs) })),
      leaves,
      warnings,
    };
  }

  /**
   * An expired certificate always warns; one inside the warning window warns only while it
   * cannot be renewed, since Consul replaces it by itself otherwise.
   */
  private expiryWarning(certificate: string, validFromMs: number, expiresMs: number, renewable: boolean, now: number): CertificateWarning | undefined {
    const remainingMs = expiresMs - now;
    const expiresAt = new Date(expiresMs);
    if (remainingMs <= 0) {
      return { certificate, kind: 'expired', expiresAt, remainingMs, message: `${certificate} expired at ${expiresAt.toISOString()}; ${renewalHint(renewable)}` };
    }
    const windowMs = Math.max(this.warnFraction * (expiresMs - validFromMs), this.warnMinimumMs);
    if (renewable || remainingMs > windowMs) return undefined;
    return {
      certificate,
      kind: 'expiring',
      expiresAt,
      remainingMs,
      message: `${certificate} expires at ${expiresAt.toISOString()} (in ${formatDuration(remainingMs)}) and cannot be renewed: ${renewalHint(false)}`,
    };
  }

  private onRoots(roots: CaRoots, info: ChangeInfo): void {
    if (this.stopped) return;
    this.roots = roots;
    this.rootsChanged = true;
    this.pendingObservedAt = Math.min(this.pendingObservedAt ?? info.observedAt, info.observedAt);
    this.flush();
  }

  private startLeafWatch(service: string): void {
    const query: BlockingQuery<LeafCert> = new BlockingQuery({
      ...this.queryOptions(`leaf:${service}`),
      path: leafCertPath(service),
      parse: (body, path) => parseLeafCert(body, path, service),
      onChange: (leaf, info) => this.onLeaf(service, query, leaf, info),
    });
    this.leafQueries.set(service, query);
    if (this.started) query.start();
  }

  private onLeaf(service: string, query: BlockingQuery<LeafCert>, leaf: LeafCert, info: ChangeInfo): void {
    // An answer can land just as the service is removed (or removed and re-added): only the current watch counts.
    if (this.stopped || this.leafQueries.get(service) !== query) return;
    this.leaves.set(service, leaf);
    this.note(service, info.observedAt);
    this.flush();
  }

  private note(service: string, observedAt: number): void {
    this.changedLeaves.add(service);
    this.pendingObservedAt = Math.min(this.pendingObservedAt ?? observedAt, observedAt);
  }

  private flush(): void {
    if (this.stopped || !this.roots) return;
    if (this.last === undefined) {
      for (const [service, query] of this.leafQueries) if (!this.leaves.has(service) && query.state.consecutiveErrors === 0) return;
    } else if (!this.rootsChanged && this.changedLeaves.size === 0) {
      return;
    }
    const snapshot = buildCaSnapshot(this.roots, this.leaves, {
      rootsChanged: this.rootsChanged || this.last === undefined,
      changedLeaves: this.last === undefined ? this.leaves.keys() : this.changedLeaves,
      observedAt: this.pendingObservedAt ?? this.clock(),
    });
    this.rootsChanged = false;
    this.changedLeaves.clear();
    this.pendingObservedAt = undefined;
    this.last = snapshot;
    try {
      this.options.onSnapshot(snapshot);
    } catch (error) {
      this.reportError(new ConsulConsumerError('connect CA snapshot', { cause: error }), 'roots');
    }
  }

  private queryOptions(watch: string) {
    const { transport, wait, rateLimit, backoff, clock } = this.options;
    return {
      transport,
      wait,
      rateLimit,
      backoff,
      clock,
      onError: (error: ConsulError) => {
        this.reportError(error, watch);
        // A failing leaf watch no longer holds back the first snapshot.
        if (this.last === undefined && watch !== 'roots') this.flush();
      },
    };
  }

  private reportError(error: ConsulError, watch: string): void {
    try {
      this.options.onError?.(error, watch);
    } catch {
      // A throwing error reporter must not stop the watcher.
    }
  }
}

function renewalHint(renewable: boolean): string {
  return renewable
    ? 'Consul still serves it; check the CA configuration (GET /v1/connect/ca/configuration) and the Consul server logs.'
    : 'Consul or its Connect CA is unreachable, so the certificate is kept but not renewed; restore Consul before it expires, or mTLS between sidecars will fail.';
}

function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.ceil(ms / 1000)} s`;
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
