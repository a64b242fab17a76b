import type { CatalogWatcherStatus } from './catalog-watcher';

/**
 * STARTING: no catalog read yet and nothing failed. UP: every watch answered its last request.
 * DEGRADED: at least one watch is failing, so the mesh is served from the last known catalog.
 */
export type CatalogHealthStatus = 'STARTING' | 'UP' | 'DEGRADED';

/** The Consul part of /health. Dates serialise as ISO strings. */
export interface CatalogHealth {
  readonly status: CatalogHealthStatus;
  readonly consulAddress: string;
  /** While DEGRADED: the error of the watch that has been failing longest. */
  readonly reason?: string;
  /** While DEGRADED: when the first of the currently failing watches started failing. */
  readonly degradedSince?: Date;
  readonly failingWatches: readonly string[];
  readonly watches: number;
  /** The most recent answer from Consul on any watch. */
  readonly lastSuccessAt?: Date;
  /** Round trip of the most recent non-blocking request to Consul, in ms. */
  readonly consulLatencyMs?: number;
  /** The catalog being served: its version, service count and when its last change was seen. */
  readonly snapshot?: { readonly version: string; readonly services: number; readonly observedAt: Date };
}

export function catalogHealth(watcher: CatalogWatcherStatus): CatalogHealth {
  const failing = watcher.watches.filter((w) => w.consecutiveErrors > 0);
  const oldestFailure = [...failing].sort((a, b) => time(a.failingSince) - time(b.failingSince))[0];
  const lastSuccessAt = latest(watcher.watches.map((w) => w.lastSuccessAt));
  const lastRead = watcher.watches
    .map((w) => w.lastRead)
    .filter((r) => r !== undefined)
    .sort((a, b) => time(b.at) - time(a.at))[0];
  const snapshot = watcher.snapshot;

  const status: CatalogHealthStatus = oldestFailure ? 'DEGRADED' : snapshot ? 'UP' : 'STARTING';
  return {
    status,
    consulAddress: watcher.address,
    ...(oldestFailure && {
      reason: `${oldestFailure.name}: ${oldestFailure.lastError?.message ?? 'failing'}${snapshot ? '' : ' (no catalog read yet, nothing to serve)'}`,
      degradedSince: oldestFailure.failingSince,
    }),
    failingWatches: failing.map((w) => w.name),
    watches: watcher.watches.length,
    ...(lastSuccessAt && { lastSuccessAt }),
    ...(lastRead && { consulLatencyMs: Math.round(lastRead.latencyMs * 100) / 100 }),
    ...(snapshot && { snapshot: { version: snapshot.version, services: snapshot.services.size, observedAt: new Date(snapshot.observedAt) } }),
  };
}

function time(date: Date | undefined): number {
  return date?.getTime() ?? 0;
}

function latest(dates: ReadonlyArray<Date | undefined>): Date | undefined {
  let best: Date | undefined;
  for (const date of dates) if (date && (!best || date > best)) best = date;
  return best;
}
