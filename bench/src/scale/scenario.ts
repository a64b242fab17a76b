import { type ConsulHandle, startConsul, startControlPlane } from '@mesh/harness';
/**
 * Scale: N simulated ADS clients, each a sidecar of one of S services and subscribed to all S,
 * on our control plane (real process, real Consul catalog) over SotW and over Delta; then, at a
 * smaller N, the same clients against Consul's built-in xDS server, which only serves
 * proxies registered in its catalog.
 */
import type { ScaleOptions } from '../args';
import { inBatches, registerSidecarClient } from '../shared/consul-agent';
import { BENCH_LOG } from '../shared/run-context';
import { commitOf, describeMachine, loadNow } from '../shared/machine';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';
import { AddedService, ChangingService, registerCatalog } from './catalog';
import { measureServer, type ScaleResult, type ScaleRunOptions } from './measure';
import { buildScaleReport, type ScaleReport } from './report';
import type { Protocol } from './sim-client';

const PEER_SERVICE = 'scale-peer';

interface OurServer {
  pid: number;
  target: string;
  /** Stops it and starts a fresh process on the same ports; resolves once that one is UP. */
  restart: () => Promise<{ pid: number; stoppedMs: number }>;
  stop: () => Promise<void>;
}

async function startOurServer(ctx: RunContext, consulAddr: string, checkout?: string): Promise<OurServer> {
  const start = (ports?: { xds: number; admin: number }) =>
    startControlPlane(ctx.supervisor, {
      consulAddr,
      nodeArgs: ctx.controlPlaneNodeArgs,
      env: BENCH_LOG,
      readyTimeoutMs: 120_000,
      ...(ports ? { ports } : {}),
      ...(checkout ? { checkout } : {}),
    });
  let cp = await start();
  const ports = { xds: cp.xdsPort, admin: Number(new URL(cp.adminUrl).port) };
  return {
    pid: cp.process.pid,
    target: `127.0.0.1:${cp.xdsPort}`,
    restart: async () => {
      await cp.process.stop();
      const stoppedMs = Number(process.hrtime.bigint()) / 1e6;
      cp = await start(ports);
      return { pid: cp.process.pid, stoppedMs };
    },
    stop: async () => void (await cp.process.stop()),
  };
}

/** P instances of one service, each with a sidecar whose upstreams are all S services. */
async function registerPeerProxies(consulAddr: string, services: readonly string[], count: number): Promise<void> {
  const upstreams = services.map((name, i) => ({ name, localBindPort: 50_000 + i }));
  await inBatches(
    Array.from({ length: count }, (_, i) => i),
    4,
    (i) => registerSidecarClient(consulAddr, { service: PEER_SERVICE, id: `${PEER_SERVICE}-${i}`, appPort: 45_000 + i, sidecarPort: 46_000 + i, upstreams }),
  );
}

export async function runScale(ctx: RunContext, options: ScaleOptions): Promise<ScaleReport> {
  const machine = describeMachine();
  const consul: ConsulHandle = await startConsul(ctx.supervisor);
  const shape = { checked: !options.uncheckedInstances };
  const names = await registerCatalog(consul.httpAddr, options.services, shape);
  if (options.peerClients > 0) await registerPeerProxies(consul.httpAddr, names, options.peerClients);
  ctx.log(`scale: ${names.length} services registered${options.peerClients ? `, and ${options.peerClients} sidecars for Consul's xDS` : ''}`);
  // One changing service across all runs, so every change really changes the endpoints.
  const changing = new ChangingService(consul.httpAddr, names[0] as string, shape);
  const added = new AddedService(consul.httpAddr, shape);
  const run: ScaleRunOptions = {
    clients: options.clients,
    changes: options.changes,
    workers: options.workers,
    connectConcurrency: options.connectConcurrency,
    gapMs: options.gapMs,
    timeoutMs: options.timeoutMs,
  };

  const ours = async (protocol: Protocol, clients: number, checkout?: string): Promise<ScaleResult> => {
    throwIfInterrupted(ctx.signal);
    // A fresh process per run, so that every run's memory is measured from the same start.
    const server = await startOurServer(ctx, consul.httpAddr, checkout);
    try {
      return await measureServer(
        ctx,
        {
          label: `${checkout ? 'baseline' : 'ours'} ${protocol === 'sotw' ? 'SotW' : 'Delta'}`,
          pid: server.pid,
          target: server.target,
          protocol,
          nodePrefix: `sim-${protocol}`,
          nodeServices: names,
          changingResource: names[0] as string,
          ...(checkout || !options.storm ? {} : { restart: server.restart }),
        },
        changing,
        { ...run, clients },
        added,
      );
    } finally {
      await server.stop();
    }
  };

  const results: ScaleResult[] = [];
  for (const protocol of options.protocols) results.push(await ours(protocol, options.clients));
  const baseline: ScaleResult[] = [];
  if (options.baseline) {
    ctx.log(`scale: the same runs against the baseline checkout ${options.baseline} (${commitOf(options.baseline).slice(0, 12)})`);
    for (const protocol of options.protocols) baseline.push(await ours(protocol, options.clients, options.baseline));
  }
  const peer: ScaleResult[] = [];
  if (options.peerClients > 0) {
    peer.push(await ours('delta', options.peerClients));
    throwIfInterrupted(ctx.signal);
    peer.push(
      await measureServer(
        ctx,
        {
          label: 'Consul',
          pid: consul.process.pid,
          target: `127.0.0.1:${consul.ports.grpc}`,
          // Consul's xDS serves the Envoys it bootstraps over Delta.
          protocol: 'delta',
          nodePrefix: PEER_SERVICE,
          nodeSuffix: '-sidecar-proxy',
          nodeServices: [PEER_SERVICE],
          changingResource: names[0] as string,
        },
        changing,
        { ...run, clients: options.peerClients },
      ),
    );
  }
  machine.loadAverageAtEnd = loadNow();
  return buildScaleReport({ options, machine, results, baseline, peer, ...(options.baseline ? { baselineCommit: commitOf(options.baseline) } : {}) });
}
