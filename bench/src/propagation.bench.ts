/**
 * Propagation benchmark (xDS core, acceptance point 9): time from a Consul (de)registration
 * to the change in Envoy's /clusters, for Envoys fed by our control plane over SotW and Delta,
 * against an Envoy fed by Consul's own xDS server in the same run.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessSupervisor, repoRoot, startConsul, type ConsulHandle } from '@mesh/harness';
import { BenchArgsError, parseBenchArgs, USAGE, type BenchOptions } from './args';
import { startConsulPeer } from './consul-peer';
import { EchoFleet } from './echo-fleet';
import { closeAdminConnections, type ClusterProbe } from './envoy-clusters';
import { describeMachine } from './machine';
import { startOurEnvoys } from './our-stack';
import { idleReadMs, InterruptedError, runChanges, warmUp, type ChangeRecord } from './propagation';
import { envoyResult, markdown, ratioRows, writeReport, type PeerMissing, type PropagationReport } from './report';

const SERVICE = 'bench-echo';
const OUR_CLIENT = 'bench-client';
const PEER_CLIENT = 'bench-peer-client';
const INITIAL_INSTANCES = 3;
// Far from the ephemeral range that freePorts draws from; nothing ever listens on these.
const FIRST_INSTANCE_PORT = 20_000;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A missing peer is reported as such, with the exact error, rather than failing the run. */
async function tryStartPeer(supervisor: ProcessSupervisor, consul: ConsulHandle, signal: AbortSignal): Promise<ClusterProbe | PeerMissing> {
  try {
    return await startConsulPeer(supervisor, consul, PEER_CLIENT, SERVICE);
  } catch (error) {
    throwIfInterrupted(signal);
    const reason = error instanceof Error ? error.message : String(error);
    log(`peer unavailable, measuring ours only: ${reason}`);
    return { missing: true, reason };
  }
}

/** Keeps an interrupted run from starting further components once the handler has stopped the rest. */
function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError();
}

function progress(total: number): (record: ChangeRecord) => void {
  return (record) => {
    const figures = Object.entries(record.byProbe).map(([label, o]) => `${label} ${o.latencyMs.toFixed(1)} ms`);
    log(`change ${record.index + 1}/${total} (${record.kind}): ${figures.join(', ')}`);
  };
}

function notes(options: BenchOptions, peer: ClusterProbe | PeerMissing): string[] {
  return [
    `Latency runs from the return of PUT /v1/agent/service/(de)register to the first /clusters?format=json answer showing exactly the new host set of \`${SERVICE}\`; each Envoy is polled concurrently, pausing ${options.pollIntervalMs} ms between reads.`,
    `Polling sets the resolution floor: each figure is an upper bound, and "resolution" is the mean gap between sending the last read that showed the old set and receiving the one that showed the new set. "Idle read" is the median cost of one read with nothing changing; reads during a change take longer because Consul, the control planes, three Envoys and this poller share the machine's cores.`,
    `Changes alternate register / deregister (${INITIAL_INSTANCES}-4 instances, no health checks, Connect-native so Consul's xDS lists them). Each change starts ${options.gapMs} ms after every Envoy showed the previous one, so single changes are measured, not bursts.`,
    'Percentiles are nearest-rank over the measured changes; below 100 changes p99 is the maximum.',
    'missing' in peer
      ? 'No peer figure: see peer.reason.'
      : `Consul's built-in xDS server only speaks ${peer.apiType} to the Envoy \`consul connect envoy -bootstrap\` configures, so it is the peer for both of our ADS flavours.`,
    ...(options.changes < 50 ? [`Only ${options.changes} changes (--quick): acceptance point 9 asks for at least 50.`] : []),
  ];
}

async function measure(supervisor: ProcessSupervisor, options: BenchOptions, signal: AbortSignal): Promise<PropagationReport> {
  const machine = describeMachine();
  log(`logs in ${supervisor.runDir}`);
  const consul = await startConsul(supervisor);
  throwIfInterrupted(signal);
  const fleet = new EchoFleet(consul.httpAddr, SERVICE, FIRST_INSTANCE_PORT);
  for (let i = 0; i < INITIAL_INSTANCES; i++) await fleet.add();
  const ours = await startOurEnvoys(supervisor, consul.httpAddr, OUR_CLIENT, SERVICE);
  throwIfInterrupted(signal);
  const peer = await tryStartPeer(supervisor, consul, signal);
  const probes: ClusterProbe[] = 'missing' in peer ? ours : [...ours, peer];
  await warmUp(fleet, probes, signal);
  log(`warm: ${probes.map((p) => p.label).join(', ')} show ${INITIAL_INSTANCES} instances; measuring ${options.changes} changes`);
  const idle = new Map<string, number>();
  for (const probe of probes) idle.set(probe.label, await idleReadMs(probe));
  const records = await runChanges(fleet, probes, options, signal, progress(options.changes));

  const ourResults = ours.map((p) => envoyResult(p.label, p.apiType, idle.get(p.label) ?? NaN, records));
  const peerResult = 'missing' in peer ? peer : envoyResult(peer.label, peer.apiType, idle.get(peer.label) ?? NaN, records);
  return {
    benchmark: 'propagation',
    figure: 'Consul (de)registration -> Envoy /clusters propagation latency',
    generatedAt: new Date().toISOString(),
    options,
    machine,
    ours: ourResults,
    peer: peerResult,
    ratios: ratioRows(ourResults, peerResult),
    notes: notes(options, peer),
    samples: records,
  };
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const supervisor = new ProcessSupervisor(mkdtempSync(join(tmpdir(), 'mesh-bench-propagation-')));
  const interrupt = new AbortController();
  const onSignal = () => {
    log('interrupted: stopping components');
    process.exitCode = 130;
    interrupt.abort();
    // Stopping at once also ends a start that is still waiting for readiness.
    void supervisor.stopAll();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await measure(supervisor, options, interrupt.signal);
    process.stdout.write(`\n${markdown(report)}\n`);
    const written = writeReport(join(repoRoot(), 'bench', 'results'), report);
    log(`wrote ${written.json} and ${written.md}`);
  } finally {
    closeAdminConnections();
    await supervisor.stopAll();
  }
}

function interruptedBySignal(): boolean {
  return process.exitCode === 130;
}

main().catch((error: unknown) => {
  if (error instanceof BenchArgsError) log(`${error.message}\n${USAGE}`);
  else if (error instanceof InterruptedError || interruptedBySignal()) log('interrupted');
  else log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  if (!interruptedBySignal()) process.exitCode = 1;
});
