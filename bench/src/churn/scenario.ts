import { startConsul, startControlPlane } from '@mesh/harness';
/**
 * Churn: a mesh.config.ts rewrite that changes the routes and retries of one of S services
 * while N simulated ADS clients (half SotW, half Delta) are connected; the time until every
 * client has received that service's new routes and ACKed them, and the bytes each received.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChurnOptions } from '../args';
import { BENCH_LOG } from '../shared/run-context';
import { describeMachine, loadNow, machineLine, type MachineInfo } from '../shared/machine';
import { cpuSeconds, MiB, residentBytes } from '../shared/proc-stats';
import { ms } from '../shared/results';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';
import { summarize, type LatencySummary } from '../shared/stats';
import { registerCatalog } from '../scale/catalog';
import { ClientPool, type ChangeArrival } from '../scale/client-pool';
import { ENVOY_VERSION } from '../scale/measure';
import type { Protocol } from '../scale/sim-client';
import { TYPE } from '../scale/xds-messages';
import { editedRouteName, editedService, routeMarker, writeMeshConfig } from './config-file';

const GAP_MS = 1000;

export interface ReloadSample {
  generation: number;
  /** From the rename's return: per protocol, the last client receiving and the last having ACKed the new routes. */
  byProtocol: Record<Protocol, { allReceivedMs: number; allAckedMs: number; medianAckedMs: number }>;
  allAckedMs: number;
  bytesPerClient: Record<Protocol, number>;
}

export interface ChurnProtocolResult {
  protocol: Protocol;
  clients: number;
  allAckedMs: LatencySummary;
  allReceivedMs: LatencySummary;
  medianAckedMs: LatencySummary;
  bytesPerClientPerReload: number;
}

export interface ChurnReport {
  benchmark: 'churn';
  figure: string;
  generatedAt: string;
  options: ChurnOptions;
  machine: MachineInfo;
  /** Every client of both protocols has ACKed. */
  allAckedMs: LatencySummary;
  byProtocol: ChurnProtocolResult[];
  connectAndSyncMs: number;
  serverRssMiB: number;
  cpuSecondsPerReload: number;
  /** CLOCK_MONOTONIC microseconds around the reloads, to cut a --cpu-prof profile to them. */
  reloadPhaseMonotonicUs: [number, number];
  peer: { missing: true; reason: string };
  notes: string[];
  samples: ReloadSample[];
}

const median = (sorted: readonly number[]) => sorted[Math.floor((sorted.length - 1) / 2)] as number;

export async function runChurn(ctx: RunContext, options: ChurnOptions): Promise<ChurnReport> {
  const machine = describeMachine();
  const consul = await startConsul(ctx.supervisor);
  const services = await registerCatalog(consul.httpAddr, options.services);
  const configFile = join(ctx.supervisor.runDir, 'mesh.config.ts');
  writeMeshConfig(configFile, services, 0);
  const cp = await startControlPlane(ctx.supervisor, { consulAddr: consul.httpAddr, nodeArgs: ctx.controlPlaneNodeArgs, configFile, env: BENCH_LOG, readyTimeoutMs: 60_000 });
  const pid = cp.process.pid;
  const target = `127.0.0.1:${cp.xdsPort}`;
  const half = Math.ceil(options.clients / 2);
  const protocols: Array<{ protocol: Protocol; clients: number }> = [
    { protocol: 'sotw', clients: half },
    { protocol: 'delta', clients: options.clients - half },
  ];
  ctx.log(`churn: ${services.length} services in Consul and in ${configFile}; connecting ${options.clients} clients (${half} SotW, ${options.clients - half} Delta)`);
  const started = performance.now();
  const pools = await Promise.all(
    protocols.map(({ protocol, clients }) =>
      ClientPool.connect({
        target,
        protocol,
        clients,
        workers: Math.max(1, Math.floor(options.workers / 2)),
        nodePrefix: `churn-${protocol}`,
        nodeServices: services,
        envoyVersion: ENVOY_VERSION,
        connectConcurrency: 100,
        syncTimeoutMs: options.timeoutMs * 5,
      }).then((r) => r.pool),
    ),
  );
  const connectAndSyncMs = performance.now() - started;
  const samples: ReloadSample[] = [];
  try {
    const serverRssMiB = residentBytes(pid) / MiB;
    ctx.log(`churn: ${options.clients} clients synced in ${(connectAndSyncMs / 1000).toFixed(1)} s; ${options.reloads} reloads`);
    const idleFrom = performance.now();
    const idleCpu = cpuSeconds(pid);
    await delay(2000, undefined, { signal: ctx.signal });
    const idleRate = (cpuSeconds(pid) - idleCpu) / ((performance.now() - idleFrom) / 1000);
    const cpuStart = cpuSeconds(pid);
    const phaseStartUs = Number(process.hrtime.bigint() / 1000n);
    const from = performance.now();
    const editedRoute = editedRouteName(services);
    for (let generation = 1; generation <= options.reloads; generation++) {
      throwIfInterrupted(ctx.signal);
      const marker = Buffer.from(routeMarker(generation));
      const armed = await Promise.all(pools.map((pool) => pool.expect(TYPE.route, editedRoute, options.timeoutMs, marker)));
      writeMeshConfig(configFile, services, generation);
      const t0 = Number(process.hrtime.bigint()) / 1e6;
      const arrivals: ChangeArrival[] = await Promise.all(armed.map((a) => a.arrival));
      await delay(GAP_MS, undefined, { signal: ctx.signal });
      const traffic = await Promise.all(pools.map((pool, i) => pool.traffic((armed[i] as { id: number }).id)));
      const sample: ReloadSample = {
        generation,
        byProtocol: {} as ReloadSample['byProtocol'],
        allAckedMs: 0,
        bytesPerClient: {} as ReloadSample['bytesPerClient'],
      };
      protocols.forEach(({ protocol, clients }, i) => {
        const arrival = arrivals[i] as ChangeArrival;
        sample.byProtocol[protocol] = {
          allReceivedMs: (arrival.receivedMs.at(-1) as number) - t0,
          allAckedMs: (arrival.ackedMs.at(-1) as number) - t0,
          medianAckedMs: median(arrival.ackedMs) - t0,
        };
        sample.bytesPerClient[protocol] = (traffic[i] as { bytes: number }).bytes / clients;
      });
      sample.allAckedMs = Math.max(...Object.values(sample.byProtocol).map((p) => p.allAckedMs));
      samples.push(sample);
      ctx.log(
        `  reload ${generation}/${options.reloads}: all ${options.clients} ACKed after ${sample.allAckedMs.toFixed(0)} ms (SotW ${sample.byProtocol.sotw.allAckedMs.toFixed(0)}, Delta ${sample.byProtocol.delta.allAckedMs.toFixed(0)}); ${sample.bytesPerClient.sotw.toFixed(0)} / ${sample.bytesPerClient.delta.toFixed(0)} B per client`,
      );
    }
    const cpu = cpuSeconds(pid) - cpuStart - idleRate * ((performance.now() - from) / 1000);
    const phaseEndUs = Number(process.hrtime.bigint() / 1000n);
    machine.loadAverageAtEnd = loadNow();
    const byProtocol = protocols.map(({ protocol, clients }) => ({
      protocol,
      clients,
      allAckedMs: summarize(samples.map((s) => s.byProtocol[protocol].allAckedMs)),
      allReceivedMs: summarize(samples.map((s) => s.byProtocol[protocol].allReceivedMs)),
      medianAckedMs: summarize(samples.map((s) => s.byProtocol[protocol].medianAckedMs)),
      bytesPerClientPerReload: samples.reduce((s, x) => s + x.bytesPerClient[protocol], 0) / samples.length,
    }));
    return {
      benchmark: 'churn',
      figure: `mesh.config.ts edit changing one service's routes and retries, ${options.services} services -> every one of ${options.clients} connected clients has ACKed`,
      generatedAt: new Date().toISOString(),
      options,
      machine,
      allAckedMs: summarize(samples.map((s) => s.allAckedMs)),
      byProtocol,
      connectAndSyncMs,
      serverRssMiB,
      cpuSecondsPerReload: Math.max(0, cpu) / options.reloads,
      reloadPhaseMonotonicUs: [phaseStartUs, phaseEndUs],
      peer: {
        missing: true,
        reason:
          "Consul has no config file to reload: its analogue is a service-router config entry per service (500 writes, each its own Raft commit and proxycfg recompute), and its xDS serves only registered proxies, so 1,000 simulated streams would need 1,000 registered sidecars. The comparison here is SotW against Delta on our control plane.",
      },
      notes: [
        `The control plane runs \`mesh xds --config <file>\` against Consul with the same ${options.services} services registered (one instance each). Each reload rewrites the file the way editors save (write a temp file, rename it over the original); generation n gives one service (${editedService(services)}) a first route matching prefix ${routeMarker(0).replace('0', 'n')} with its own retry policy, and a different service-level retry policy; the other services keep theirs.`,
        `Time runs from the rename's return to the last client having written its ACK of the route configuration \`${editedRouteName(services)}\` carrying the new prefix (the outbound listener finds it by Host through an SRDS scope) (CLOCK_MONOTONIC in both processes). It includes the watcher's 25 ms settle time, loading and validating the file, translation, and the push to every stream; clients receive and ACK in ${options.workers} worker processes sharing the 2 cores with the server.`,
        `Clients are the scale benchmark's simulated Envoys (one gRPC connection each, wildcard CDS/LDS/SRDS, EDS and RDS as named, an ACK per response), half on SotW and half on Delta, each the sidecar of one of the services. Bytes are gRPC message payloads per client from arming to ${GAP_MS} ms after the last ACK.`,
        `CPU per reload = control plane CPU over the reload phase less its idle rate, divided by the reloads (10 ms ticks).`,
        'Percentiles are nearest-rank over the reloads; with fewer than 100 reloads p99 is the maximum.',
      ],
      samples,
    };
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

export function churnMarkdown(report: ChurnReport): string {
  const rows = report.byProtocol.map(
    (p) =>
      `| ${p.protocol === 'sotw' ? 'ours SotW' : 'ours Delta'} | ${p.clients} | ${p.allAckedMs.count} | ${ms(p.allAckedMs.p50)} | ${ms(p.allAckedMs.p99)} | ${ms(p.allReceivedMs.p50)} | ${ms(p.medianAckedMs.p50)} | ${p.bytesPerClientPerReload.toFixed(0)} |`,
  );
  const all = report.allAckedMs;
  return [
    `# Churn: ${report.figure}`,
    '',
    '| clients | N | reloads | all ACKed p50 ms | all ACKed p99 ms | all received p50 ms | median client ACKed p50 ms | bytes per client per reload |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    `| all | ${report.options.clients} | ${all.count} | ${ms(all.p50)} | ${ms(all.p99)} | | | |`,
    '',
    `Connect and first sync of all clients: ${(report.connectAndSyncMs / 1000).toFixed(1)} s; control plane RSS with all connected: ${report.serverRssMiB.toFixed(0)} MiB; CPU per reload: ${report.cpuSecondsPerReload.toFixed(3)} s.`,
    '',
    `**No peer figure:** ${report.peer.reason}`,
    '',
    machineLine(report.machine),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
