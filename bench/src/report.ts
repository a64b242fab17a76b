import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions } from './args';
import type { MachineInfo } from './machine';
import type { ChangeKind } from './echo-fleet';
import type { ChangeRecord } from './propagation';
import { ratio, summarize, type LatencySummary } from './stats';

export interface EnvoyResult {
  label: string;
  xds: string;
  latencyMs: LatencySummary;
  byKind: Record<ChangeKind, LatencySummary>;
  /** Mean width of the window in which each change became visible: the resolution floor. */
  meanResolutionMs: number;
  meanPollsPerChange: number;
  /** Median /clusters read with nothing changing; reads during a change are slower on a busy machine. */
  idleReadMs: number;
}

export interface PeerMissing {
  missing: true;
  reason: string;
}

export interface RatioRow {
  ours: string;
  peer: string;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface PropagationReport {
  benchmark: 'propagation';
  figure: string;
  generatedAt: string;
  options: BenchOptions;
  machine: MachineInfo;
  ours: EnvoyResult[];
  peer: EnvoyResult | PeerMissing;
  /** ours / peer: below 1 means ours is faster. */
  ratios: RatioRow[];
  notes: string[];
  samples: ChangeRecord[];
}

export function envoyResult(label: string, xds: string, idleReadMs: number, records: readonly ChangeRecord[]): EnvoyResult {
  const mine = records.flatMap((r) => {
    const o = r.byProbe[label];
    return o ? [{ kind: r.kind, ...o }] : [];
  });
  const latencies = (kind?: ChangeKind) => mine.filter((x) => kind === undefined || x.kind === kind).map((x) => x.latencyMs);
  return {
    label,
    xds,
    latencyMs: summarize(latencies()),
    byKind: { register: summarize(latencies('register')), deregister: summarize(latencies('deregister')) },
    meanResolutionMs: mean(mine.map((x) => x.latencyMs - x.lowerBoundMs)),
    meanPollsPerChange: mean(mine.map((x) => x.polls)),
    idleReadMs,
  };
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

export function ratioRows(ours: readonly EnvoyResult[], peer: EnvoyResult | PeerMissing): RatioRow[] {
  if ('missing' in peer) return [];
  const of = (o: EnvoyResult, key: 'p50' | 'p90' | 'p99' | 'max') => ratio(o.latencyMs[key], peer.latencyMs[key]);
  return ours.map((o) => ({ ours: o.label, peer: peer.label, p50: of(o, 'p50'), p90: of(o, 'p90'), p99: of(o, 'p99'), max: of(o, 'max') }));
}

const ms = (v: number) => v.toFixed(1);
const times = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(3)}x`);

function latencyTable(report: PropagationReport): string[] {
  const all = 'missing' in report.peer ? report.ours : [...report.ours, report.peer];
  const rows = all.map((r) => {
    const l = r.latencyMs;
    return `| ${r.label} | ${r.xds} | ${l.count} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${ms(l.mean)} | ${ms(r.byKind.register.p50)} / ${ms(r.byKind.deregister.p50)} | ${ms(r.meanResolutionMs)} | ${r.idleReadMs.toFixed(2)} |`;
  });
  return [
    '| Envoy fed by | xDS | changes | p50 ms | p90 ms | p99 ms | max ms | mean ms | p50 register / deregister ms | resolution ms | idle read ms |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

function ratioTable(report: PropagationReport): string[] {
  if ('missing' in report.peer) return [`**Peer missing:** ${report.peer.reason}`];
  return [
    '| ours / peer | p50 | p90 | p99 | max |',
    '|---|---:|---:|---:|---:|',
    ...report.ratios.map((r) => `| ${r.ours} / ${r.peer} | ${times(r.p50)} | ${times(r.p90)} | ${times(r.p99)} | ${times(r.max)} |`),
  ];
}

export function markdown(report: PropagationReport): string {
  const m = report.machine;
  return [
    `# ${report.figure}`,
    '',
    ...latencyTable(report),
    '',
    ...ratioTable(report),
    '',
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} (${m.kernel}, ${m.arch}), Node ${m.node}, load ${m.loadAverage.join(' / ')} at start; ${m.tools.envoy}, ${m.tools.consul}; control plane ${m.controlPlane.commit.slice(0, 12)}${m.controlPlane.uncommittedChangesInXdsServer ? ' + uncommitted changes in xds-server/' : ''}.`,
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

export function writeReport(dir: string, report: PropagationReport): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'propagation.json');
  const md = join(dir, 'propagation.md');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(md, markdown(report));
  return { json, md };
}
