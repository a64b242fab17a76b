import type { BackoffOptions } from './backoff';
import { BlockingQuery, type BlockingQueryState, type ChangeInfo } from './blocking-query';
import { parseCatalogServices } from './catalog-services';
import { buildSnapshot, type CatalogSnapshot } from './catalog-snapshot';
import { ConsulConsumerError, type ConsulError } from './consul-errors';
import type { ConsulTransport } from './consul-transport';
import { parseHealthEntries } from './health-entries';
import type { ServiceInstance } from './service-instance';
import { stableHash } from './stable-hash';
import type { TokenBucketOptions } from './token-bucket';

export type { CatalogSnapshot } from './catalog-snapshot';
export type { ServiceInstance, ServingHealth, InstanceWeights } from './service-instance';

/** Consul registers itself as a service; it is not a mesh destination. */
export const CONSUL_SERVICE = 'consul';

export const CATALOG_SERVICES_PATH = '/v1/catalog/services';

export function healthServicePath(service: string): string {
  return `/v1/health/service/${encodeURIComponent(service)}`;
}

export interface CatalogWatcherOptions {
  transport: ConsulTransport;
  /** Called with every snapshot that differs from the previous one, without debounce. */
  onSnapshot: (snapshot: CatalogSnapshot) => void;
  /** Called on every failed request of any watch (`watch` is `catalog` or `health:<service>`). */
  onError?: (error: ConsulError, watch: string) => void;
  /** Which services to watch. Default: all. The `consul` service is never watched. */
  include?: (service: string) => boolean;
  /** Consul `wait` per blocking request. Default 55s. */
  wait?: string;
  /** Rate limit of each watch (each has its own bucket, so one busy service cannot starve the others). */
  rateLimit?: TokenBucketOptions;
  backoff?: BackoffOptions;
  /** Wall clock, epoch ms. Default `Date.now`. */
  clock?: () => number;
}

export interface WatchStatus extends BlockingQueryState {
  /** `catalog` or `health:<service>`. */
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
 * Follows the Consul catalog: one blocking watch on `/v1/catalog/services` to learn which
 * services exist, and one blocking watch on `/v1/health/service/:name` per service, started
 * when the service appears and stopped when it disappears. Emits an immutable CatalogSnapshot
 * on every real change.
 */
export class CatalogWatcher {
  private readonly catalog: BlockingQuery<readonly string[]>;
  private readonly health = new Map<string, BlockingQuery<readonly ServiceInstance[]>>();
  private readonly stopping = new Set<Promise<void>>();
  private readonly include: (service: string) => boolean;
  /** Instances of each watched service whose health has been read at least once. */
  private readonly instances = new Map<string, readonly ServiceInstance[]>();
  private readonly hashes = new Map<string, string>();
  /** When each service still waiting for its first health answer was seen in the catalog. */
  private readonly addedAt = new Map<string, number>();
  private readonly pendingChanges = new Set<string>();
  private pendingObservedAt: number | undefined;
  private catalogSeen = false;
  private last: CatalogSnapshot | undefined;
  private stopped = false;

  constructor(private readonly options: CatalogWatcherOptions) {
    this.include = options.include ?? (() => true);
    this.catalog = new BlockingQuery({
      ...this.queryOptions('catalog'),
      path: CATALOG_SERVICES_PATH,
      parse: parseCatalogServices,
      onChange: (names, info) => this.onCatalog(names, info),
    });
  }

  start(): void {
    if (this.stopped) return;
    this.catalog.start();
  }

  /** Stops every watch and resolves once no request or timer of theirs is left. */
  async stop(): Promise<void> {
    this.stopped = true;
    const all = [this.catalog.stop(), ...[...this.health.values()].map((q) => q.stop()), ...this.stopping];
    this.health.clear();
    await Promise.all(all);
  }

  /** The last snapshot emitted; still there while Consul is down. */
  get snapshot(): CatalogSnapshot | undefined {
    return this.last;
  }

  status(): CatalogWatcherStatus {
    const watches: WatchStatus[] = [{ name: 'catalog', path: CATALOG_SERVICES_PATH, ...this.catalog.state }];
    for (const [service, query] of this.health) watches.push({ name: `health:${service}`, path: query.path, ...query.state });
    return { address: this.options.transport.address, snapshot: this.last, watches };
  }

  private onCatalog(names: readonly string[], info: ChangeInfo): void {
    if (this.stopped) return;
    const wanted = new Set(names.filter((name) => name !== CONSUL_SERVICE && this.include(name)));
    for (const [service, query] of this.health) {
      if (wanted.has(service)) continue;
      this.health.delete(service);
      const stop = query.stop().finally(() => this.stopping.delete(stop));
      this.stopping.add(stop);
      this.addedAt.delete(service);
      this.hashes.delete(service);
      if (this.instances.delete(service)) this.note(service, info.observedAt);
    }
    for (const service of wanted) {
      if (this.health.has(service)) continue;
      this.addedAt.set(service, info.observedAt);
      this.startHealthWatch(service);
    }
    if (this.last === undefined) this.pendingObservedAt = Math.min(this.pendingObservedAt ?? info.observedAt, info.observedAt);
    this.catalogSeen = true;
    this.flush();
  }

  private startHealthWatch(service: string): void {
    const query: BlockingQuery<readonly ServiceInstance[]> = new BlockingQuery({
      ...this.queryOptions(`health:${service}`),
      path: healthServicePath(service),
      parse: (body, path) => parseHealthEntries(body, path, service),
      onChange: (instances, info) => this.onHealth(service, query, instances, info),
    });
    this.health.set(service, query);
    query.start();
  }

  private onHealth(service: string, query: BlockingQuery<readonly ServiceInstance[]>, instances: readonly ServiceInstance[], info: ChangeInfo): void {
    // An answer can land just as the service is removed (or removed and re-added): only the current watch counts.
    if (this.stopped || this.health.get(service) !== query) return;
    this.instances.set(service, instances);
    this.hashes.set(service, stableHash(instances));
    this.note(service, this.addedAt.get(service) ?? info.observedAt);
    this.addedAt.delete(service);
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
      for (const service of this.health.keys()) if (!this.instances.has(service)) return;
    } else if (this.pendingChanges.size === 0) {
      return;
    }
    const snapshot = buildSnapshot(this.instances, this.hashes, this.pendingChanges, this.pendingObservedAt ?? this.now());
    this.pendingChanges.clear();
    this.pendingObservedAt = undefined;
    this.last = snapshot;
    try {
      this.options.onSnapshot(snapshot);
    } catch (error) {
      try {
        this.options.onError?.(new ConsulConsumerError('catalog snapshot', { cause: error }), 'catalog');
      } catch {
        // A throwing error reporter must not stop the watcher.
      }
    }
  }

  private queryOptions(watch: string) {
    const { transport, wait, rateLimit, backoff, clock, onError } = this.options;
    return {
      transport,
      wait,
      rateLimit,
      backoff,
      clock,
      onError: onError ? (error: ConsulError) => onError(error, watch) : undefined,
    };
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}
