import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { type ConsulHandle, sampleTcpConnections, startControlPlane } from '@mesh/harness';
import { cpuSeconds } from '../shared/proc-stats';
import { BENCH_LOG, throwIfInterrupted, type RunContext } from '../shared/run-context';
import { summarize, type LatencySummary } from '../shared/stats';
import { InstanceChanges } from './catalog';
import { untilRoutes } from './routes-probe';

export interface MeasureOptions {
  label: string;
  /** Another built checkout (the baseline); default this one. */
  checkout?: string;
  /** Timed register/deregister pairs of an instance with a check, and of one without. */
  changes: number;
  uncheckedChanges: number;
  bursts: number;
  gapMs: number;
  timeoutMs: number;
}

export interface ChangeFigures {
  /** Per change, from the agent write's return to /info/routes showing it (upper bounds). */
  samples: Array<{ kind: string; ms: number; resolutionMs: number }>;
  all: LatencySummary;
  resolution: LatencySummary;
}

export interface ControlPlaneRun {
  label: string;
  services: number;
  /** From spawning the control plane to /health UP (its first snapshot holds every service). */
  upMs: number;
  /** The most ESTABLISHED connections from the control plane to the agent's HTTP port, sampled every 10 ms. */
  maxConnections: number;
  connectionSamples: number;
  changes?: ChangeFigures;
  uncheckedChanges?: ChangeFigures;
  burst?: ChangeFigures & { spanMs: LatencySummary };
  /** Control plane CPU (user + system) over all timed changes, per change, in ms; /proc ticks are 10 ms. */
  cpuMsPerChange?: number;
}

function figures(samples: ChangeFigures['samples']): ChangeFigures {
  return { samples, all: summarize(samples.map((s) => s.ms)), resolution: summarize(samples.map((s) => s.resolutionMs)) };
}

/** One control plane against `consul`: start-up, connections, and the timed changes. */
export async function measureControlPlane(ctx: RunContext, consul: ConsulHandle, services: readonly string[], o: MeasureOptions): Promise<ControlPlaneRun> {
  throwIfInterrupted(ctx.signal);
  const connections = sampleTcpConnections(() => ctx.supervisor.running.find((p) => p.name === 'xds-server')?.pid, consul.ports.http, 10);
  const spawned = performance.now();
  const cp = await startControlPlane(ctx.supervisor, {
    consulAddr: consul.httpAddr,
    nodeArgs: ctx.controlPlaneNodeArgs,
    env: BENCH_LOG,
    readyTimeoutMs: 120_000,
    ...(o.checkout ? { checkout: o.checkout } : {}),
  });
  const upMs = performance.now() - spawned;
  ctx.log(`consul-scale: ${o.label} with ${services.length} services UP after ${(upMs / 1000).toFixed(1)} s`);
  const run: ControlPlaneRun = { label: o.label, services: services.length, upMs, maxConnections: 0, connectionSamples: 0 };
  try {
    const seen = (service: string, port: number, present: boolean, since: number) =>
      untilRoutes(cp.adminUrl, service, (endpoints) => endpoints.some((e) => e.startsWith(`127.0.0.1:${port}`)) === present, since, o.timeoutMs);

    const pairs = async (count: number, withCheck: boolean): Promise<ChangeFigures | undefined> => {
      if (count === 0) return undefined;
      const changing = new InstanceChanges(consul.httpAddr, services[1] ?? (services[0] as string));
      const samples: ChangeFigures['samples'] = [];
      for (let i = 0; i < count; i++) {
        throwIfInterrupted(ctx.signal);
        const added = await changing.register(withCheck);
        samples.push({ kind: 'register', ...(await seen(changing.service, added.port, true, performance.now())) });
        await delay(o.gapMs);
        await changing.deregister(added.id);
        samples.push({ kind: 'deregister', ...(await seen(changing.service, added.port, false, performance.now())) });
        await delay(o.gapMs);
      }
      return figures(samples);
    };
    const cpuBefore = cpuSeconds(cp.process.pid);
    run.changes = await pairs(o.changes, true);
    run.uncheckedChanges = await pairs(o.uncheckedChanges, false);

    if (o.bursts > 0) {
      // Each step follows the moment the previous one showed: four changes to one instance in well under 300 ms.
      const changing = new InstanceChanges(consul.httpAddr, services[2] ?? (services[0] as string));
      const samples: ChangeFigures['samples'] = [];
      const spans: number[] = [];
      for (let b = 0; b < o.bursts; b++) {
        throwIfInterrupted(ctx.signal);
        const start = performance.now();
        const added = await changing.register(true);
        samples.push({ kind: 'register', ...(await seen(changing.service, added.port, true, performance.now())) });
        await changing.setCheck(added.id, 'fail');
        samples.push({ kind: 'fail', ...(await seen(changing.service, added.port, false, performance.now())) });
        await changing.setCheck(added.id, 'pass');
        samples.push({ kind: 'pass', ...(await seen(changing.service, added.port, true, performance.now())) });
        await changing.deregister(added.id);
        samples.push({ kind: 'deregister', ...(await seen(changing.service, added.port, false, performance.now())) });
        spans.push(performance.now() - start);
        // Long enough for a token bucket of the old kind (2 tokens, one per 250 ms) to refill.
        await delay(Math.max(o.gapMs, 1000));
      }
      run.burst = { ...figures(samples), spanMs: summarize(spans) };
    }
    const timed = (run.changes?.all.count ?? 0) + (run.uncheckedChanges?.all.count ?? 0) + (run.burst?.all.count ?? 0);
    if (timed > 0) run.cpuMsPerChange = ((cpuSeconds(cp.process.pid) - cpuBefore) * 1000) / timed;
  } finally {
    connections.stop();
    run.maxConnections = connections.max;
    run.connectionSamples = connections.samples;
    await cp.process.stop();
  }
  return run;
}
