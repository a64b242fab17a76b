import type { ScaleOptions } from '../args';
import { ecdfSvg } from '../shared/ecdf-svg';
import { machineLine, type MachineInfo } from '../shared/machine';
import { ms, times } from '../shared/results';
import { ratio } from '../shared/stats';
import type { ScaleResult } from './measure';

export interface ComparisonRow {
  metric: string;
  subject: string;
  subjectValue: number;
  reference: string;
  referenceValue: number;
  /** subject / reference: below 1 means the subject needs less. */
  ratio: number | null;
}

export interface ScaleReport {
  benchmark: 'scale';
  figure: string;
  generatedAt: string;
  /** As given, except the baseline, which is named by its commit (a path says nothing elsewhere). */
  options: Omit<ScaleOptions, 'baseline'> & { baselineCommit?: string };
  machine: MachineInfo;
  /** Ours at N clients, SotW and Delta. */
  results: ScaleResult[];
  /** The baseline checkout's control plane at N, SotW and Delta (`--baseline`), measured in the same run. */
  baseline: ScaleResult[];
  /** Ours (Delta) and Consul's xDS at the smaller peer N. */
  peer: ScaleResult[];
  /** Delta against SotW at N, ours against the baseline at N, and ours against Consul at the peer N. */
  comparisons: ComparisonRow[];
  notes: string[];
}

interface BuildInput {
  options: ScaleOptions;
  baselineCommit?: string;
  machine: MachineInfo;
  results: ScaleResult[];
  baseline: ScaleResult[];
  peer: ScaleResult[];
}

const METRICS: Array<{ name: string; of: (r: ScaleResult) => number }> = [
  { name: 'reach all p50 ms', of: (r) => r.reachAllMs.p50 },
  { name: 'reach all p99 ms', of: (r) => r.reachAllMs.p99 },
  { name: 'RSS per stream KiB', of: (r) => r.rssPerStreamKiB },
  { name: 'CPU s per update', of: (r) => r.cpuSecondsPerUpdate },
  { name: 'bytes per client per change', of: (r) => r.bytesPerClientPerChange },
  { name: 'bytes per client, one service added', of: (r) => r.serviceAddedBytesPerClient ?? Number.NaN },
];

function compare(subject: ScaleResult | undefined, reference: ScaleResult | undefined): ComparisonRow[] {
  if (!subject || !reference) return [];
  return METRICS.filter((m) => Number.isFinite(m.of(subject)) && Number.isFinite(m.of(reference))).map((m) => ({
    metric: m.name,
    subject: `${subject.label} (N=${subject.clients})`,
    subjectValue: m.of(subject),
    reference: `${reference.label} (N=${reference.clients})`,
    referenceValue: m.of(reference),
    ratio: ratio(m.of(subject), m.of(reference)),
  }));
}

export function buildScaleReport(input: BuildInput): ScaleReport {
  const o = input.options;
  const of = (results: readonly ScaleResult[], protocol: ScaleResult['protocol']) => results.find((r) => r.protocol === protocol);
  const [sotw, delta] = [of(input.results, 'sotw'), of(input.results, 'delta')];
  const [oursAtPeer, consul] = input.peer;
  const [baselineSotw, baselineDelta] = [of(input.baseline, 'sotw'), of(input.baseline, 'delta')];
  const notes = [
    `Clients are real gRPC (grpc-js) ADS streams, one HTTP/2 connection each, in ${o.workers} worker processes separate from the server. Each presents itself as Envoy 1.40 (user_agent_name "envoy"), is the sidecar of one of the ${o.services} services (node.cluster, spread evenly), subscribes to CDS and LDS (wildcard), to EDS for every EDS cluster and to RDS for every route configuration its listeners name, and ACKs every response. Resources are decoded only as far as that takes.`,
    `Our control plane runs as its own process (\`mesh xds\`, log level info) against a real Consul with ${o.services} services (one instance each, plus the changing one). It is restarted for each run so memory is measured from the same start. Consul runs with its default limits (http_max_conns_per_client = 200); the control plane's catalog watch holds at most 7 connections to it whatever the number of services.`,
    `A change registers or deregisters an extra instance of ${'`scale-000`'}${o.uncheckedInstances ? ', and no instance has a health check (--unchecked-instances), so the control plane reads every service to find each change' : ', and every instance has a passing TTL check, as a mesh\'s instances do, so the control plane finds the changed service from the checks\' index'}. "Reach all" runs from the PUT's return to the last client's receipt of the EDS response carrying scale-000 (CLOCK_MONOTONIC in both processes); receipt is when the client's event loop got to it, so it includes queueing in the client workers, which share the 2 cores with the server.`,
    'RSS per stream = (server RSS with every client synced - RSS before the first client) / N, from /proc; it includes the HTTP/2 session of each connection. CPU per update = server user+system CPU over the change phase (changes and the ACKs that follow, with a gap after each) minus the idle rate measured just before, divided by the number of changes; /proc ticks are 10 ms.',
    `Bytes = gRPC message payloads the clients received from arming to ${o.gapMs} ms after the last client saw the change (no HTTP/2 or gRPC framing), per client.`,
    consul
      ? `Consul's xDS serves only proxies registered in its catalog, so the peer comparison registers ${o.peerClients} sidecars (each with all ${o.services} services as upstreams) and connects ${o.peerClients} simulated Delta clients as those sidecars (node.id = the sidecar's service id), against ours over Delta at the same N. Consul's memory and CPU are those of the whole Consul agent (a dev-mode server), measured the same way; its xDS state for a proxy is built when the proxy connects.`
      : 'No peer run (--peer-clients 0): the comparison is Delta against SotW.',
    ...(input.baseline.length ? [`The baseline rows are another checkout's control plane (\`--baseline\`${input.baselineCommit ? `, commit ${input.baselineCommit.slice(0, 12)}` : ''}), measured the same way in the same run.`] : []),
    'Percentiles are nearest-rank over the changes; with fewer than 100 changes p99 is the maximum.',
  ];
  return {
    benchmark: 'scale',
    figure: `One endpoint change -> every one of N simulated ADS clients (each subscribed to ${o.services} services)`,
    generatedAt: new Date().toISOString(),
    options: { ...withoutBaseline(o), ...(input.baselineCommit ? { baselineCommit: input.baselineCommit } : {}) },
    machine: input.machine,
    results: input.results,
    baseline: input.baseline,
    peer: input.peer,
    comparisons: [...compare(delta, sotw), ...compare(sotw, baselineSotw), ...compare(delta, baselineDelta), ...compare(oursAtPeer, consul)],
    notes,
  };
}

function stormRows(results: readonly ScaleResult[]): string[] {
  const withStorm = results.filter((r) => r.storm);
  if (withStorm.length === 0) return [];
  return [
    '',
    'Reconnect storm: the control plane restarted under all N streams (stop, then a fresh process on the same port); every client reconnects with Envoy\'s backoff and asks for its whole config again:',
    '',
    'Times run from the SIGTERM to the old process; "after UP" from the new process answering /health UP.',
    '',
    '| server | N | old gone ms | new UP ms | resynced p50 ms | resynced p99 ms | resynced max ms | after UP p99 ms | first connect + sync ms | p99 / first sync | peak RSS MiB | RSS after MiB | reopens per client | empty configs |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...withStorm.map((r) => {
      const s = r.storm as NonNullable<ScaleResult['storm']>;
      return `| ${r.label} | ${r.clients} | ${s.stopMs.toFixed(0)} | ${s.restartMs.toFixed(0)} | ${ms(s.resyncMs.p50)} | ${ms(s.resyncMs.p99)} | ${ms(s.resyncMs.max)} | ${ms(s.resyncAfterUpMs.p99)} | ${r.connectAndSyncMs.toFixed(0)} | ${times(ratio(s.resyncMs.p99, r.connectAndSyncMs))} | ${s.peakRssMiB.toFixed(0)} | ${s.settledRssMiB.toFixed(0)} | ${s.reopensPerClient.toFixed(2)} | ${s.emptyFirstClusters} |`;
    }),
  ];
}

function resultRow(r: ScaleResult): string {
  const kib = (v: number) => v.toFixed(1);
  return `| ${r.label} | ${r.clients} | ${(r.connectAndSyncMs / 1000).toFixed(1)} | ${ms(r.reachAllMs.p50)} | ${ms(r.reachAllMs.p99)} | ${ms(r.reachMedianClientMs.p50)} | ${r.serverRssBeforeMiB.toFixed(0)} -> ${r.serverRssAfterMiB.toFixed(0)} | ${kib(r.rssPerStreamKiB)} | ${r.cpuSecondsPerUpdate.toFixed(3)} | ${r.bytesPerClientPerChange.toFixed(0)} | ${r.messagesPerClientPerChange.toFixed(2)} | ${r.reachAllMs.count} |`;
}

export function scaleMarkdown(report: ScaleReport): string {
  const header = [
    '| server | N | connect + sync s | reach all p50 ms | reach all p99 ms | median client p50 ms | server RSS MiB | RSS per stream KiB | CPU s per update | bytes per client per change | messages per client per change | changes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const comparisons = report.comparisons.map(
    (c) => `| ${c.metric} | ${c.subject} | ${c.subjectValue.toFixed(3)} | ${c.reference} | ${c.referenceValue.toFixed(3)} | ${times(c.ratio)} |`,
  );
  return [
    `# Scale: ${report.figure}`,
    '',
    '![distribution of the per-change figures](scale.svg)',
    '',
    ...header,
    ...report.results.map(resultRow),
    ...report.baseline.map(resultRow),
    ...stormRows(report.results),
    ...(report.peer.length ? ['', `At the peer's N:`, '', ...header, ...report.peer.map(resultRow)] : []),
    '',
    '| metric | subject | value | reference | value | subject / reference |',
    '|---|---|---:|---|---:|---:|',
    ...comparisons,
    '',
    machineLine(report.machine),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Distribution of "reach all" per change, for every run. */
export function scalePlot(report: ScaleReport): string {
  const series = [...report.results, ...report.baseline, ...report.peer].map((r) => ({ label: `${r.label} N=${r.clients}`, samples: r.changes.map((c) => c.allMs) }));
  return ecdfSvg('One endpoint change -> every simulated client has received it', 'ms', series);
}

function withoutBaseline(options: ScaleOptions): Omit<ScaleOptions, 'baseline'> {
  const { baseline: _baseline, ...rest } = options;
  return rest;
}
