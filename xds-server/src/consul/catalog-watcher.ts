import type { BackoffOptions } from './backoff';
import { type AnswerInfo, BlockingQuery, type BlockingQueryState } from './blocking-query';
import { type CatalogServiceTags, parseCatalogServiceTags } from './catalog-services';
import { buildSnapshot, type CatalogSnapshot } from './catalog-snapshot';
import { probeChecksIndex } from './checks-index-probe';
import { ChecksView } from './checks-view';
import { ConsulConsumerError, ConsulError } from './consul-errors';
import type { ConsulTransport } from './consul-transport';
import { type CheckState, HEALTH_STATE_PATH, healthStateKey, parseHealthState } from './health-state';
import { changedServices, type InstanceFingerprints, readInstanceFingerprints } from './instance-fingerprints';
import { parseConsulIndex } from './blocking-index';
import { parseAnswer, READ_TIMEOUT_MS, readConsul } from './consul-read';
import type { RefetchJob } from './refetch-queue';
import { DEFAULT_FETCH_CONCURRENCY, ServiceFetcher, type ServiceRead } from './service-fetcher';
import type { ServiceInstance } from './service-instance';
import { stableHash } from './stable-hash';
import type { TokenBucketOptions } from './token-bucket';
import { WriteAttribution } from './write-attribution';

export type { CatalogSnapshot } from './catalog-snapshot';
export type { ServiceInstance, ServingHealth, InstanceWeights } from './service-instance';
export { healthServicePath } from './service-fetcher';

/** Consul registers itself as a service; it is not a mesh destination. */
export const CONSUL_SERVICE = 'consul';

export const CATALOG_SERVICES_PATH = '/v1/catalog/services';

/** How the reads of single services show in the status (they are not one path). */
export const HEALTH_SERVICE_PATHS = '/v1/health/service/:name';

/**
 * While changed services are still being read, a snapshot waits for them so that a burst
 * becomes one snapshot; but never for more than this many reads, so that a long pass over
 * every service cannot hold back a change found early in it.
 */
const COALESCE_READS = 32;

/**
 * The most requests a watcher has in flight at once: its two blocking queries, its reads,
 * and one probe. A transport bounded to this never makes a request wait for a connection.
 */
export function catalogWatcherConnections(fetchConcurrency = DEFAULT_FETCH_CONCURRENCY): number {
  return 2 + fetchConcurrency + 1;
}

export interface CatalogWatcherOptions {
  transport: ConsulTransport;
  /** Called with every snapshot that differs from the previous one. */
  onSnapshot: (snapshot: CatalogSnapshot) => void;
  /** Called on every failed request (`watch` is `catalog`, `health-state` or `health:<service>`). */
  onError?: (error: ConsulError, watch: string) => void;
  /** Which services to watch. Default: all. The `consul` service is never watched. */
  include?: (service: string) => boolean;
  /** Consul `wait` per blocking request. Default 55s. */
  wait?: string;
  /** Rate limit of each of the two blocking queries, on answers that changed nothing. */
  rateLimit?: TokenBucketOptions;
  backoff?: BackoffOptions;
  /** `/v1/health/service/:name` reads in flight at once. Default 4. */
  fetchConcurrency?: number;
  /** How long a services write waits for the checks answer before all checks are read (see WriteAttribution). Default 250 ms. */
  checksReadDelayMs?: number;
  /** Wall clock, epoch ms. Default `Date.now`. */
  clock?: () => number;
}

export interface WatchStatus extends BlockingQueryState {
  /** `catalog`, `health-state` or `health` (the reads of single services). */
  readonly name: string;
  readonly path: string;
}

export interface CatalogWatcherStatus {
  readonly address: string;
  /** The last snapshot emitted, kept while Consul is unreachable. */
  readonly snapshot: CatalogSnapshot | undefined;
  readonly watches: readonly WatchStatus[];
}

/**
 * Follows the Consul catalog over a fixed handful of connections, whatever its size: one
 * blocking query on `/v1/catalog/services` (which services exist, with their tags), one on
 * `/v1/health/state/any` (every check, with its status and ModifyIndex), and non-blocking
 * reads of `/v1/health/service/:name`, a few at a time, for just the services that either
 * says have changed. A write to the services table that no check shows (an instance without
 * checks, a new port) names no service, so the catalog's instances are read node by node
 * (`/v1/catalog/nodes`, then `/v1/catalog/node-services/:node`) and compared with the last
 * such reading; only the services that differ are read. Emits an immutable CatalogSnapshot on every real change; a service whose
 * instances did not change keeps its very array.
 */
export class CatalogWatcher {
  private readonly catalog: BlockingQuery<CatalogServiceTags>;
  private readonly checksQuery: BlockingQuery<readonly CheckState[]>;
  private readonly fetcher: ServiceFetcher;
  private readonly attribution: WriteAttribution;
  private readonly include: (service: string) => boolean;
  private readonly stopper = new AbortController();
  private readonly probes = new Set<Promise<unknown>>();
  /** Watched services → their tags, as the catalog lists them. */
  private wanted = new Map<string, string>();
  private catalogValue: CatalogServiceTags | undefined;
  private catalogIndex: bigint | undefined;
  private checksValue: readonly CheckState[] | undefined;
  private checks: ChecksView | undefined;
  /** healthStateKey of the checks behind `checks`: a second answer with them changes nothing. */
  private checksKey: string | undefined;
  /** Instances of each watched service whose health has been read at least once. */
  private readonly instances = new Map<string, readonly ServiceInstance[]>();
  private readonly hashes = new Map<string, string>();
  /** The nodes each service had entries on in its last read, critical ones included. */
  private readonly nodesOf = new Map<string, readonly string[]>();
  /** The catalog's instances at the last node-by-node reading; undefined until the first, and after a failed one. */
  private fingerprints: InstanceFingerprints | undefined;
  /** A reading in progress, and the latest write that arrived during it (it needs a reading of its own). */
  private locating: Promise<void> | undefined;
  private locateAgain: { seenAt: number; since: bigint } | undefined;
  private readonly pendingChanges = new Set<string>();
  private pendingObservedAt: number | undefined;
  private readsSinceChange = 0;
  private catalogSeen = false;
  private last: CatalogSnapshot | undefined;
  private stopped = false;

  constructor(private readonly options: CatalogWatcherOptions) {
    this.include = options.include ?? (() => true);
    const { transport, wait, rateLimit, backoff, clock } = options;
    this.catalog = new BlockingQuery({
      transport,
      wait,
      rateLimit,
      backoff,
      clock,
      path: CATALOG_SERVICES_PATH,
      parse: parseCatalogServiceTags,
      onChange: (services) => (this.catalogValue = services),
      onAnswer: (info) => this.onCatalog(info),
      onError: (error) => this.report(error, 'catalog'),
    });
    this.checksQuery = new BlockingQuery({
      transport,
      wait,
      rateLimit,
      backoff,
      clock,
      path: HEALTH_STATE_PATH,
      parse: parseHealthState,
      contentKey: healthStateKey,
      onChange: (checks) => (this.checksValue = checks),
      onAnswer: (info) => this.onChecks(info),
      onError: (error) => this.report(error, 'health-state'),
    });
    this.fetcher = new ServiceFetcher({
      transport,
      backoff,
      clock,
      concurrency: options.fetchConcurrency,
      onRead: (job, read) => this.onRead(job, read),
      onReadEnd: () => this.onReadEnd(),
      onError: (error, service) => this.report(error, service === undefined ? 'health' : `health:${service}`),
    });
    this.attribution = new WriteAttribution({
      probe: () => this.probe(),
      readChecks: () => this.readChecks(),
      unexplained: (index, seenAt) => this.locate(seenAt, index),
      onProbeError: (error) => this.report(error as ConsulError, 'health-state'),
      readDelayMs: options.checksReadDelayMs,
      signal: this.stopper.signal,
    });
  }

  start(): void {
    if (this.stopped) return;
    this.checksQuery.start();
    this.catalog.start();
  }

  /** Stops every watch and read, and resolves once no request or timer of theirs is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopper.abort();
    await Promise.all([this.catalog.stop(), this.checksQuery.stop(), this.fetcher.stop(), ...this.probes, this.locating]);
  }

  /** The last snapshot emitted; still there while Consul is down. */
  get snapshot(): CatalogSnapshot | undefined {
    return this.last;
  }

  /** Every check of the last `/v1/health/state/any` answer, critical ones included (the console shows instances the snapshot drops). */
  get checkStates(): readonly CheckState[] | undefined {
    return this.checksValue;
  }

  /** The two blocking queries while they run, and the reads and probes in flight: what the connection bound covers. */
  get requestsInFlight(): number {
    const blocking = [this.catalog, this.checksQuery].filter((q) => q.state.running).length;
    return blocking + this.fetcher.reading + this.probes.size;
  }

  status(): CatalogWatcherStatus {
    return {
      address: this.options.transport.address,
      snapshot: this.last,
      watches: [
        { name: 'catalog', path: CATALOG_SERVICES_PATH, ...this.catalog.state },
        { name: 'health-state', path: HEALTH_STATE_PATH, ...this.checksQuery.state },
        { name: 'health', path: HEALTH_SERVICE_PATHS, ...this.fetcher.state },
      ],
    };
  }

  private onCatalog(info: AnswerInfo): void {
    if (this.stopped) return;
    if (info.changed && this.catalogValue) this.applyCatalog(this.catalogValue, info);
    const previous = this.catalogIndex;
    this.catalogIndex = info.returned;
    if (previous === undefined || info.returned === previous) return;
    if (info.returned < previous) {
      // A snapshot restore or a new agent: any service may differ from what was read.
      this.attribution.reset();
      this.fingerprints = undefined;
      this.readEverything(info.observedAt, undefined);
    } else if (!info.changed || info.sent === 0n) {
      // The services table was written, yet no service came, went or changed its tags (or a
      // fresh read after a failure may hide writes behind the ones it shows).
      this.attribution.servicesWrite(info.returned, info.observedAt);
    }
  }

  private applyCatalog(services: CatalogServiceTags, { observedAt, returned }: AnswerInfo): void {
    const next = new Map<string, string>();
    for (const [name, tags] of Object.entries(services)) {
      if (name !== CONSUL_SERVICE && this.include(name)) next.set(name, tags.join('\0'));
    }
    for (const service of this.wanted.keys()) if (!next.has(service)) this.remove(service, observedAt);
    for (const [service, tags] of next) {
      if (this.wanted.get(service) !== tags) this.fetcher.mark(service, 'change', observedAt, returned);
    }
    this.wanted = next;
    if (this.last === undefined) this.pendingObservedAt = Math.min(this.pendingObservedAt ?? observedAt, observedAt);
    this.catalogSeen = true;
    this.flush();
  }

  private remove(service: string, observedAt: number): void {
    this.fetcher.forget(service);
    this.hashes.delete(service);
    this.nodesOf.delete(service);
    if (this.instances.delete(service)) this.note(service, observedAt);
  }

  private onChecks(info: AnswerInfo): void {
    if (this.stopped || !this.checksValue) return;
    // A plain read for the attribution may have brought newer checks than this answer; only
    // a fresh read (after an error or an index reset) may take the index back.
    if (info.sent !== 0n && this.checks && info.returned < this.checks.index) return;
    this.applyChecks(this.checksValue, info.returned, info.observedAt, info.changed);
  }

  /** A checks answer, from the blocking query or from a plain read for the attribution. */
  private applyChecks(checks: readonly CheckState[], index: bigint, observedAt: number, changed: boolean): void {
    const previous = this.checks;
    let removed = false;
    const key = changed || !previous ? healthStateKey(checks) : this.checksKey;
    if (!previous || key !== this.checksKey) {
      this.checksKey = key;
      const view = ChecksView.of(checks, index);
      if (previous) {
        const found = ChecksView.changes(previous, view);
        removed = found.removed;
        for (const service of this.affected(found, [previous, view])) this.fetcher.mark(service, 'change', observedAt, index);
      }
      this.checks = view;
    } else if (index > previous.index) {
      this.checks = previous.at(index);
    }
    this.attribution.checksRead(this.checks as ChecksView, removed);
    // Services are read only once a first checks answer is in: any change after it shows
    // in a later one, so none can fall between the two.
    this.fetcher.resume();
  }

  /** The watched services that changed checks point at: their own, or their node's. */
  private affected({ services, nodes }: { services: Set<string>; nodes: Set<string> }, views: readonly ChecksView[]): Set<string> {
    for (const node of nodes) {
      for (const view of views) for (const service of view.servicesOn(node)) services.add(service);
      for (const [service, onNodes] of this.nodesOf) if (onNodes.includes(node)) services.add(service);
    }
    return new Set([...services].filter((service) => this.wanted.has(service)));
  }

  /**
   * A write to the services table that no check explains: read the catalog's instances node
   * by node and re-read just the services whose instances differ from the last reading. The
   * first time (no reading yet), or when the reading fails, every service is read instead,
   * and this reading, taken before those reads, becomes the one the next write is compared with.
   */
  private locate(seenAt: number, since: bigint): void {
    if (this.stopped) return;
    if (this.locating) {
      this.locateAgain = { seenAt, since };
      return;
    }
    this.locating = this.track(readInstanceFingerprints(this.options.transport, this.stopper.signal))
      .then(
        (now) => {
          if (this.stopped) return;
          const before = this.fingerprints;
          this.fingerprints = now;
          if (before === undefined) return this.readEverything(seenAt, since);
          for (const service of changedServices(before, now)) if (this.wanted.has(service)) this.fetcher.mark(service, 'change', seenAt, since);
        },
        (error: unknown) => {
          this.fingerprints = undefined;
          if (error instanceof ConsulError) this.report(error, 'catalog-nodes');
          this.readEverything(seenAt, since);
        },
      )
      .finally(() => {
        this.locating = undefined;
        const again = this.locateAgain;
        this.locateAgain = undefined;
        if (again) this.locate(again.seenAt, again.since);
      });
  }

  /** `since`: the unexplained write's index, if there is one. */
  private readEverything(seenAt: number, since: bigint | undefined): void {
    if (this.stopped) return;
    for (const service of this.wanted.keys()) this.fetcher.mark(service, 'sweep', seenAt, since);
  }

  private probe(): Promise<bigint> {
    return this.track(probeChecksIndex(this.options.transport, this.stopper.signal));
  }

  private async readChecks(): Promise<void> {
    const response = await this.track(
      readConsul(this.options.transport, { path: HEALTH_STATE_PATH, query: [], signal: this.stopper.signal, timeoutMs: READ_TIMEOUT_MS }),
    );
    const index = parseConsulIndex(response.index, HEALTH_STATE_PATH);
    const checks = parseAnswer(parseHealthState, response.body, HEALTH_STATE_PATH);
    // A blocking answer may have brought newer checks meanwhile.
    if (this.stopped || (this.checks && this.checks.index > index)) return;
    this.applyChecks(checks, index, this.now(), true);
  }

  /** Keeps a request of the attribution's in view, so that stop() can wait for it. */
  private track<T>(request: Promise<T>): Promise<T> {
    const settled = request.then(
      () => undefined,
      () => undefined,
    );
    this.probes.add(settled);
    void settled.finally(() => this.probes.delete(settled));
    return request;
  }

  private onRead(job: RefetchJob, read: ServiceRead): void {
    const service = job.service;
    if (this.stopped || !this.wanted.has(service)) return;
    this.nodesOf.set(service, read.nodes);
    const hash = stableHash(read.instances);
    if (this.hashes.get(service) !== hash) {
      this.instances.set(service, read.instances);
      this.hashes.set(service, hash);
      this.note(service, job.markedAt);
    }
  }

  /** After every read, counted or not: a change held back for it may be due now. */
  private onReadEnd(): void {
    if (this.stopped) return;
    if (this.pendingChanges.size > 0) this.readsSinceChange += 1;
    this.flush();
  }

  private note(service: string, observedAt: number): void {
    this.pendingChanges.add(service);
    this.pendingObservedAt = Math.min(this.pendingObservedAt ?? observedAt, observedAt);
  }

  private flush(): void {
    if (!this.catalogSeen) return;
    if (this.last === undefined) {
      // Until every service has been read once, a snapshot would lack services that exist and the
      // translator would delete their clusters. Later additions simply join when their data arrives.
      for (const service of this.wanted.keys()) if (!this.instances.has(service)) return;
    } else {
      if (this.pendingChanges.size === 0) return;
      if (this.fetcher.changesPending && this.readsSinceChange < COALESCE_READS) return;
    }
    const snapshot = buildSnapshot(this.instances, this.hashes, this.pendingChanges, this.pendingObservedAt ?? this.now());
    this.pendingChanges.clear();
    this.pendingObservedAt = undefined;
    this.readsSinceChange = 0;
    this.last = snapshot;
    try {
      this.options.onSnapshot(snapshot);
    } catch (error) {
      this.report(new ConsulConsumerError('catalog snapshot', { cause: error }), 'catalog');
    }
  }

  private report(error: ConsulError, watch: string): void {
    if (this.stopped) return;
    try {
      this.options.onError?.(error, watch);
    } catch {
      // A throwing error reporter must not stop the watcher.
    }
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
