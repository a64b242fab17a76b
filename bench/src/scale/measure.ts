import { setTimeout as delay } from 'node:timers/promises';
import { cpuSeconds, MiB, residentBytes } from '../shared/proc-stats';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';
import { summarize, type LatencySummary } from '../shared/stats';
import type { AddedService, ChangingService } from './catalog';
import { ClientPool } from './client-pool';
import type { Protocol } from './sim-client';
import { TYPE } from './xds-messages';

export interface ScaleRunOptions {
  clients: number;
  changes: number;
  workers: number;
  connectConcurrency: number;
  gapMs: number;
  timeoutMs: number;
}

/** One endpoint change as the whole fleet of clients saw it. */
export interface ScaleChange {
  kind: 'register' | 'deregister';
  /** From the PUT's return to the first, median and last client receiving the response. */
  firstMs: number;
  medianMs: number;
  allMs: number;
  /** To the last client having written its ACK. */
  allAckedMs: number;
  messages: number;
  bytes: number;
}

export interface ScaleResult {
  label: string;
  protocol: Protocol;
  clients: number;
  /** Resources one client holds after its first sync, by type. */
  heldPerClient: Record<string, number>;
  /** From forking the client workers to every client having finished its first sync. */
  connectAndSyncMs: number;
  serverRssBeforeMiB: number;
  serverRssAfterMiB: number;
  /** (RSS with every stream synced - RSS before any stream) / clients. */
  rssPerStreamKiB: number;
  /** Server CPU over the change phase, less its idle rate, divided by the changes. */
  cpuSecondsPerUpdate: number;
  /** Time for one change to reach every client. */
  reachAllMs: LatencySummary;
  reachMedianClientMs: LatencySummary;
  allAckedMs: LatencySummary;
  /** Response bytes all clients received per change, and per client. */
  bytesPerChange: number;
  bytesPerClientPerChange: number;
  messagesPerClientPerChange: number;
  /** CLOCK_MONOTONIC microseconds around the change phase, to cut a --cpu-prof profile to it. */
  changePhaseMonotonicUs: [number, number];
  changes: ScaleChange[];
  /** Response bytes per client when one new service is registered (its cluster, endpoints, scopes and routes); undefined when not measured. */
  serviceAddedBytesPerClient: number | undefined;
  /** The control plane restarted under all N streams; undefined when not measured. */
  storm: ReconnectStorm | undefined;
}

export interface ReconnectStorm {
  /** From SIGTERM to the old process's exit. */
  stopMs: number;
  /** From SIGTERM to the new process answering /health UP. */
  restartMs: number;
  /** From SIGTERM to each client having its whole config again. */
  resyncMs: LatencySummary;
  /** From the new process being UP to each client having its whole config again. */
  resyncAfterUpMs: LatencySummary;
  /** The new process's RSS at its peak during the storm, and once every client had resynced. */
  peakRssMiB: number;
  settledRssMiB: number;
  /** Streams opened again per client (failed attempts while the server was down included). */
  reopensPerClient: number;
  /** Clients whose first CDS response on their new stream held no cluster (must be 0). */
  emptyFirstClusters: number;
}

export interface ServerUnderTest {
  label: string;
  pid: number;
  target: string;
  protocol: Protocol;
  /** Node ids (`${nodePrefix}-${i}${nodeSuffix}`) and clusters the clients present. */
  nodePrefix: string;
  nodeSuffix?: string;
  nodeServices: string[];
  /** Name of the changing service's EDS resource, or its prefix followed by a dot. */
  changingResource: string;
  /** Stops the server and starts it again on the same ports, resolving once the new one is UP (its pid, and when the old one had exited, monotonic ms); no storm without it. */
  restart?: () => Promise<{ pid: number; stoppedMs: number }>;
}

export const ENVOY_VERSION: [number, number, number] = [1, 40, 0];

const median = (sorted: readonly number[]) => sorted[Math.floor((sorted.length - 1) / 2)] as number;

/** Connects the clients to one server, then times `changes` endpoint changes across all of them. */
export async function measureServer(
  ctx: RunContext,
  server: ServerUnderTest,
  changing: ChangingService,
  options: ScaleRunOptions,
  added?: AddedService,
): Promise<ScaleResult> {
  const rssBefore = residentBytes(server.pid);
  ctx.log(`${server.label}: connecting ${options.clients} ${server.protocol} clients`);
  const { pool, syncMs } = await ClientPool.connect({
    target: server.target,
    protocol: server.protocol,
    clients: options.clients,
    workers: options.workers,
    nodePrefix: server.nodePrefix,
    nodeSuffix: server.nodeSuffix,
    nodeServices: server.nodeServices,
    envoyVersion: ENVOY_VERSION,
    connectConcurrency: options.connectConcurrency,
    syncTimeoutMs: options.timeoutMs * 20,
    onProgress: (synced) => ctx.log(`  ${synced}/${options.clients} synced`),
  });
  try {
    throwIfInterrupted(ctx.signal);
    const rssAfter = residentBytes(server.pid);
    ctx.log(`${server.label}: ${options.clients} synced in ${(syncMs / 1000).toFixed(1)} s, holding ${JSON.stringify(pool.held)}`);
    // The idle rate covers keepalives and Consul watches, which are not the updates' cost.
    const idleStart = cpuSeconds(server.pid);
    const idleFrom = performance.now();
    await delay(2000, undefined, { signal: ctx.signal });
    const idleRate = (cpuSeconds(server.pid) - idleStart) / ((performance.now() - idleFrom) / 1000);

    const changes: ScaleChange[] = [];
    const phaseStartUs = Number(process.hrtime.bigint() / 1000n);
    const cpuStart = cpuSeconds(server.pid);
    const from = performance.now();
    for (let i = 0; i < options.changes; i++) {
      throwIfInterrupted(ctx.signal);
      const { id, arrival } = await pool.expect(TYPE.endpoint, server.changingResource, options.timeoutMs);
      const kind = await changing.change();
      const t0 = Number(process.hrtime.bigint()) / 1e6;
      const seen = await arrival;
      await delay(options.gapMs, undefined, { signal: ctx.signal });
      const traffic = await pool.traffic(id);
      const change: ScaleChange = {
        kind,
        firstMs: (seen.receivedMs[0] as number) - t0,
        medianMs: median(seen.receivedMs) - t0,
        allMs: (seen.receivedMs.at(-1) as number) - t0,
        allAckedMs: (seen.ackedMs.at(-1) as number) - t0,
        messages: traffic.messages,
        bytes: traffic.bytes,
      };
      changes.push(change);
      ctx.log(
        `  change ${i + 1}/${options.changes} (${kind}): first ${change.firstMs.toFixed(1)} ms, median ${change.medianMs.toFixed(1)} ms, all ${change.allMs.toFixed(1)} ms; ${(change.bytes / options.clients).toFixed(0)} B/client`,
      );
    }
    const elapsed = (performance.now() - from) / 1000;
    const cpu = cpuSeconds(server.pid) - cpuStart - idleRate * elapsed;
    const phaseEndUs = Number(process.hrtime.bigint() / 1000n);
    const serviceAddedBytesPerClient = added ? await measureServiceAdded(ctx, pool, added, options) : undefined;
    const storm = server.restart ? await measureReconnectStorm(ctx, pool, server.restart, options) : undefined;
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
    const bytesPerChange = mean(changes.map((c) => c.bytes));
    return {
      label: server.label,
      protocol: server.protocol,
      clients: options.clients,
      heldPerClient: pool.held,
      connectAndSyncMs: syncMs,
      serverRssBeforeMiB: rssBefore / MiB,
      serverRssAfterMiB: rssAfter / MiB,
      rssPerStreamKiB: (rssAfter - rssBefore) / 1024 / options.clients,
      cpuSecondsPerUpdate: Math.max(0, cpu) / options.changes,
      reachAllMs: summarize(changes.map((c) => c.allMs)),
      reachMedianClientMs: summarize(changes.map((c) => c.medianMs)),
      allAckedMs: summarize(changes.map((c) => c.allAckedMs)),
      bytesPerChange,
      bytesPerClientPerChange: bytesPerChange / options.clients,
      messagesPerClientPerChange: mean(changes.map((c) => c.messages)) / options.clients,
      changePhaseMonotonicUs: [phaseStartUs, phaseEndUs],
      changes,
      serviceAddedBytesPerClient,
      storm,
    };
  } finally {
    await pool.close();
  }
}

/**
 * Registers a new service and counts what every client receives until the gap after its
 * ClusterLoadAssignment arrived: in SotW, every cluster and scope again (full-state types);
 * in Delta, only the new resources.
 */
async function measureServiceAdded(ctx: RunContext, pool: ClientPool, added: AddedService, options: ScaleRunOptions): Promise<number> {
  throwIfInterrupted(ctx.signal);
  const { id, arrival } = await pool.expect(TYPE.endpoint, added.nextName(), options.timeoutMs);
  const { remove } = await added.add();
  await arrival;
  await delay(options.gapMs, undefined, { signal: ctx.signal });
  const traffic = await pool.traffic(id);
  await remove();
  await delay(options.gapMs, undefined, { signal: ctx.signal });
  const perClient = traffic.bytes / options.clients;
  ctx.log(`  one service added: ${perClient.toFixed(0)} B/client`);
  return perClient;
}

/**
 * Restarts the control plane under every stream, as an upgrade or a crash does: all N clients
 * lose their streams at once and come back with Envoy's backoff, and the new process, which
 * admits new streams at its bounded rate, must bring each one back to its whole config.
 */
async function measureReconnectStorm(ctx: RunContext, pool: ClientPool, restart: NonNullable<ServerUnderTest['restart']>, options: ScaleRunOptions): Promise<ReconnectStorm> {
  throwIfInterrupted(ctx.signal);
  const { resynced } = await pool.storm(options.timeoutMs * 20);
  ctx.log(`  reconnect storm: restarting the control plane under ${options.clients} streams`);
  const t0 = Number(process.hrtime.bigint()) / 1e6;
  const { pid, stoppedMs } = await restart();
  const upAt = Number(process.hrtime.bigint()) / 1e6;
  const restartMs = upAt - t0;
  let peak = residentBytes(pid);
  let settled = false;
  const sampling = (async () => {
    while (!settled) {
      peak = Math.max(peak, residentBytes(pid));
      await delay(200);
    }
  })();
  const outcome = await resynced.finally(() => {
    settled = true;
  });
  await sampling;
  const resync = outcome.syncedMs.map((at) => at - t0);
  const storm: ReconnectStorm = {
    stopMs: stoppedMs - t0,
    restartMs,
    resyncMs: summarize(resync),
    resyncAfterUpMs: summarize(outcome.syncedMs.map((at) => Math.max(0, at - upAt))),
    peakRssMiB: peak / MiB,
    settledRssMiB: residentBytes(pid) / MiB,
    reopensPerClient: outcome.reopens / options.clients,
    emptyFirstClusters: outcome.emptyFirstClusters,
  };
  ctx.log(
    `  reconnect storm: old process gone after ${storm.stopMs.toFixed(0)} ms, new one UP after ${restartMs.toFixed(0)} ms; resynced p50 ${storm.resyncMs.p50.toFixed(0)} ms, p99 ${storm.resyncMs.p99.toFixed(0)} ms; peak RSS ${storm.peakRssMiB.toFixed(0)} MiB; ${storm.emptyFirstClusters} empty configs`,
  );
  return storm;
}
