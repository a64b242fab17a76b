import { startConsul } from '@mesh/harness';
/**
 * Propagation on one Consul: K Envoys on our control plane (half SotW, half Delta) and K on
 * Consul's built-in xDS server, all following the same service while its instances register,
 * fail and pass their health checks, and deregister. A change counts for a group once every
 * Envoy of the group shows it in /clusters.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConsulHandle } from '@mesh/harness';
import type { PropagationOptions } from '../args';
import { changeToSendBuckets, quantilesBetween } from '../shared/control-plane-metrics';
import { describeMachine, loadNow } from '../shared/machine';
import { MiB, residentBytes } from '../shared/proc-stats';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';
import { closeAdminConnections, type ClusterProbe } from './envoy-clusters';
import { GROUP, startConsulEnvoys, startOurEnvoys } from './envoy-groups';
import { HealthWatch } from './consul-watch';
import { CHANGE_KINDS, Fleet, type ChangeKind } from './fleet';
import { idleReadMs, observeAll, type Observation } from './poller';
import { buildReport, type GroupSample, type PeerMissing, type PropagationReport, type ResourceUse } from './report';

const SERVICE = 'bench-echo';
const OUR_CLIENT = 'bench-client';
const PEER_CLIENT = 'bench-peer-client';
const INITIAL_INSTANCES = 3;
// Far from the ephemeral range that freePorts draws from; nothing ever listens on these.
const FIRST_INSTANCE_PORT = 20_000;

export interface ChangeRecord {
  index: number;
  kind: ChangeKind;
  /** The side whose Envoys were read for this change. */
  side: string;
  /** From the write's return to Consul answering a blocking query on the service's health. */
  consulAnswerMs: number;
  /** The measured side's groups only. */
  groups: Record<string, GroupSample>;
}

interface Side {
  name: string;
  probes: ClusterProbe[];
}

/**
 * Ours and Consul's Envoys, each measured on alternate blocks of four changes (one of each
 * kind). Reading all 2K Envoys for every change made the read cycle, not the control planes,
 * set the figure: at K = 50 one cycle took longer than our propagation.
 */
function splitSides(probes: readonly ClusterProbe[]): Side[] {
  const ours = probes.filter((p) => p.group.startsWith('ours'));
  const peer = probes.filter((p) => !p.group.startsWith('ours'));
  return [
    { name: 'ours', probes: ours },
    { name: 'Consul', probes: peer },
  ].filter((s) => s.probes.length > 0);
}

/** Ours and the peer's alternate, so neither is read first more often. */
function interleave(ours: readonly ClusterProbe[], peer: readonly ClusterProbe[]): ClusterProbe[] {
  const sotw = ours.filter((p) => p.group === GROUP.oursSotw);
  const delta = ours.filter((p) => p.group === GROUP.oursDelta);
  const a = peer.filter((p) => p.group === GROUP.consulA);
  const b = peer.filter((p) => p.group === GROUP.consulB);
  const out: ClusterProbe[] = [];
  for (let i = 0; i < Math.max(sotw.length, delta.length, a.length, b.length); i++) {
    for (const list of [sotw, a, delta, b]) if (list[i]) out.push(list[i] as ClusterProbe);
  }
  return out;
}

function groupSample(members: readonly Observation[]): GroupSample {
  const latencies = members.map((o) => o.latencyMs).sort((x, y) => x - y);
  return {
    allMs: latencies.at(-1) as number,
    lowerMs: Math.max(...members.map((o) => o.lowerBoundMs)),
    medianMs: latencies[Math.floor((latencies.length - 1) / 2)] as number,
  };
}

/** The reported groups, in table order: each ADS flavour, ours whole, each Consul half, Consul whole. */
export function groupsOf(probes: readonly ClusterProbe[]): Map<string, ClusterProbe[]> {
  const order = [GROUP.oursSotw, GROUP.oursDelta, 'ours (all)', GROUP.consulA, GROUP.consulB, 'Consul (all)'];
  const groups = new Map<string, ClusterProbe[]>(order.map((name) => [name, []]));
  for (const probe of probes) {
    groups.get(probe.group)?.push(probe);
    groups.get(probe.group.startsWith('ours') ? 'ours (all)' : 'Consul (all)')?.push(probe);
  }
  for (const [name, members] of groups) if (members.length === 0) groups.delete(name);
  return groups;
}

function resourceUse(pids: { controlPlane: number; consul: number; envoys: number[] }): ResourceUse {
  const rss = (pid: number) => {
    try {
      return residentBytes(pid) / MiB;
    } catch {
      return NaN;
    }
  };
  const envoys = pids.envoys.map(rss);
  return {
    controlPlaneMiB: rss(pids.controlPlane),
    consulMiB: rss(pids.consul),
    envoysTotalMiB: envoys.reduce((s, v) => s + v, 0),
    envoyMeanMiB: envoys.reduce((s, v) => s + v, 0) / envoys.length,
    loadAverage: loadNow(),
  };
}

async function startPeer(ctx: RunContext, consul: ConsulHandle, count: number): Promise<{ probes: ClusterProbe[]; apiType: string } | PeerMissing> {
  try {
    return await startConsulEnvoys(ctx, consul, PEER_CLIENT, SERVICE, count);
  } catch (error) {
    throwIfInterrupted(ctx.signal);
    const reason = error instanceof Error ? error.message : String(error);
    ctx.log(`peer unavailable, measuring ours only: ${reason}`);
    return { missing: true, reason };
  }
}

export async function runPropagation(ctx: RunContext, options: PropagationOptions): Promise<PropagationReport> {
  const machine = describeMachine();
  const consul = await startConsul(ctx.supervisor);
  throwIfInterrupted(ctx.signal);
  const fleet = new Fleet(consul.httpAddr, SERVICE, FIRST_INSTANCE_PORT);
  for (let i = 0; i < INITIAL_INSTANCES; i++) await fleet.add();

  ctx.log(`propagation: starting our control plane and ${options.envoys} Envoys (${options.envoys / 2} SotW, ${options.envoys / 2} Delta)`);
  const ours = await startOurEnvoys(ctx, consul.httpAddr, OUR_CLIENT, SERVICE, options.envoys);
  throwIfInterrupted(ctx.signal);
  ctx.log(`propagation: starting ${options.envoys} Envoys on Consul's xDS`);
  const peer = await startPeer(ctx, consul, options.envoys);
  const probes = interleave(ours.probes, 'missing' in peer ? [] : peer.probes);
  const groups = groupsOf(probes);
  const settings = { concurrency: options.pollConcurrency, pollIntervalMs: options.pollIntervalMs, timeoutMs: options.timeoutMs, signal: ctx.signal };

  await observeAll(probes, fleet.expectedHealthy(), performance.now(), { ...settings, pollIntervalMs: 50, timeoutMs: 120_000 });
  const pids = { controlPlane: ours.controlPlanePid, consul: consul.process.pid, envoys: ctx.supervisor.running.filter((p) => p.name.startsWith('envoy-')).map((p) => p.pid) };
  const before = resourceUse(pids);
  ctx.log(`propagation: all ${probes.length} Envoys show ${INITIAL_INSTANCES} instances; measuring ${options.changes} changes`);
  const idle = new Map<string, number>();
  for (const [name, members] of groups) idle.set(name, await idleReadMs(members[0] as ClusterProbe));

  const bucketsBefore = await changeToSendBuckets(ours.controlPlaneAdminUrl);
  const records: ChangeRecord[] = [];
  const sides = splitSides(probes);
  const watch = new HealthWatch(consul.httpAddr, SERVICE);
  await watch.prime();
  for (let index = 0; index < options.changes; index++) {
    throwIfInterrupted(ctx.signal);
    const measured = sides.length === 1 ? (sides[0] as Side) : (sides[Math.floor(index / CHANGE_KINDS.length) % 2] as Side);
    const consulAnswered = watch.next();
    const kind = await fleet.change(index);
    const startedAt = performance.now();
    const expected = fleet.expectedHealthy();
    const observations = await observeAll(measured.probes, expected, startedAt, settings);
    const record: ChangeRecord = { index, kind, side: measured.name, consulAnswerMs: (await consulAnswered) - startedAt, groups: {} };
    for (const [name, members] of groups) {
      if (members.every((p) => observations.has(p.name))) record.groups[name] = groupSample(members.map((p) => observations.get(p.name) as Observation));
    }
    records.push(record);
    // Unmeasured: the other side must show the change too before the next one, so that
    // every change it is measured on starts from a settled state.
    for (const other of sides.filter((s) => s !== measured)) {
      await observeAll(other.probes, expected, performance.now(), { ...settings, pollIntervalMs: 20 });
    }
    if ((index + 1) % 20 === 0 || index === 0) {
      const figures = Object.entries(record.groups).map(([g, sample]) => `${g} ${sample.allMs.toFixed(1)} ms`);
      ctx.log(`  change ${index + 1}/${options.changes} (${kind}, measuring ${measured.name}): ${figures.join(', ')}`);
    }
    // Changes are spaced so each is measured on its own rather than as part of a burst.
    await delay(options.gapMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  }
  watch.close();
  const after = resourceUse(pids);
  const controlPlaneShare = quantilesBetween(bucketsBefore, await changeToSendBuckets(ours.controlPlaneAdminUrl));
  machine.loadAverageAtEnd = loadNow();
  closeAdminConnections();
  return buildReport({
    options,
    machine,
    groups: [...groups.entries()].map(([name, members]) => ({ name, envoys: members.length, idleReadMs: idle.get(name) ?? NaN })),
    peerApiType: 'missing' in peer ? undefined : peer.apiType,
    peerMissing: 'missing' in peer ? peer : undefined,
    resources: { before, after },
    controlPlaneShare,
    records,
    service: SERVICE,
  });
}
