import type { PropagationOptions } from '../args';
import type { BucketQuantiles } from '../shared/control-plane-metrics';
import { ecdfSvg } from '../shared/ecdf-svg';
import { machineLine, type MachineInfo } from '../shared/machine';
import { ms, times } from '../shared/results';
import { ratio, summarize, type LatencySummary } from '../shared/stats';
import { GROUP } from './envoy-groups';
import { CHANGE_KINDS, type ChangeKind } from './fleet';
import type { ChangeRecord } from './scenario';

/** One group's view of one change. */
export interface GroupSample {
  /** Until the last Envoy of the group showed the change: the figure. */
  allMs: number;
  /** The last Envoy's change happened after this (the last read still showing the old set was sent then). */
  lowerMs: number;
  /** The group's median Envoy. */
  medianMs: number;
}

export interface PeerMissing {
  missing: true;
  reason: string;
}

export interface ResourceUse {
  controlPlaneMiB: number;
  consulMiB: number;
  envoysTotalMiB: number;
  envoyMeanMiB: number;
  loadAverage: number[];
}

export interface GroupResult {
  name: string;
  envoys: number;
  /** Change -> every Envoy of the group showing it. */
  latencyMs: LatencySummary;
  byKind: Record<ChangeKind, LatencySummary>;
  /** Change -> the group's median Envoy showing it. */
  medianEnvoyMs: LatencySummary;
  /** Mean width of the window in which the group's last Envoy changed: the resolution. */
  meanResolutionMs: number;
  /** Median cost of one /clusters read with nothing changing. */
  idleReadMs: number;
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
  options: PropagationOptions;
  machine: MachineInfo;
  /** Consul's ADS flavour towards the Envoys it bootstraps. */
  peerApiType: string | undefined;
  peerMissing: PeerMissing | undefined;
  groups: GroupResult[];
  /** ours / peer, each over the same number of Envoys: below 1 means ours is faster. */
  ratios: RatioRow[];
  resources: { before: ResourceUse; after: ResourceUse };
  /** Our control plane's own share: Consul answer in -> response written, per stream write (its histogram). */
  controlPlaneShare: BucketQuantiles;
  /** Consul's share: write returned -> Consul answering a blocking query on the service's health. */
  consulAnswerMs: LatencySummary;
  notes: string[];
  samples: Array<{ index: number; kind: ChangeKind; side: string; consulAnswerMs: number; groups: Record<string, GroupSample> }>;
}

interface BuildInput {
  options: PropagationOptions;
  machine: MachineInfo;
  groups: Array<{ name: string; envoys: number; idleReadMs: number }>;
  peerApiType: string | undefined;
  peerMissing: PeerMissing | undefined;
  resources: { before: ResourceUse; after: ResourceUse };
  controlPlaneShare: BucketQuantiles;
  records: readonly ChangeRecord[];
  service: string;
}

const mean = (values: readonly number[]) => values.reduce((s, v) => s + v, 0) / values.length;

function groupResult(group: { name: string; envoys: number; idleReadMs: number }, records: readonly ChangeRecord[]): GroupResult {
  const mine = records.flatMap((r) => {
    const sample = r.groups[group.name];
    return sample ? [{ kind: r.kind, sample }] : [];
  });
  const byKind = Object.fromEntries(
    CHANGE_KINDS.map((kind) => [kind, summarize(mine.filter((m) => m.kind === kind).map((m) => m.sample.allMs))]),
  ) as Record<ChangeKind, LatencySummary>;
  return {
    ...group,
    latencyMs: summarize(mine.map((m) => m.sample.allMs)),
    byKind,
    medianEnvoyMs: summarize(mine.map((m) => m.sample.medianMs)),
    meanResolutionMs: mean(mine.map((m) => m.sample.allMs - m.sample.lowerMs)),
  };
}

/** Pairs compared: each side over the same number of Envoys, since the slowest of more Envoys is slower. */
const PAIRS: Array<[ours: string, peer: string]> = [
  ['ours (all)', 'Consul (all)'],
  [GROUP.oursSotw, GROUP.consulA],
  [GROUP.oursDelta, GROUP.consulB],
];

export function buildReport(input: BuildInput): PropagationReport {
  const groups = input.groups.map((g) => groupResult(g, input.records));
  const find = (name: string) => groups.find((g) => g.name === name);
  const ratios = PAIRS.flatMap(([o, p]) => {
    const ours = find(o);
    const peer = find(p);
    if (!ours || !peer) return [];
    const of = (key: 'p50' | 'p90' | 'p99' | 'max') => ratio(ours.latencyMs[key], peer.latencyMs[key]);
    return [{ ours: o, peer: p, p50: of('p50'), p90: of('p90'), p99: of('p99'), max: of('max') }];
  });
  const o = input.options;
  const notes = [
    `Latency runs from the return of the Consul write (PUT /v1/agent/service/register, /v1/agent/service/deregister, /v1/agent/check/fail|pass) to the first /clusters answer showing exactly the new set of routable hosts of \`${input.service}\`, for every Envoy of the group.`,
    `Changes cycle register -> health fail -> health pass -> deregister (TTL checks; ${o.changes} changes). Our control plane removes a critical instance; Consul's xDS keeps it marked UNHEALTHY; either way it stops being routable, which is what is compared. Each change starts ${o.gapMs} ms after every Envoy of both sides showed the previous one.`,
    `Every change reaches all ${o.envoys * 2} Envoys, but only one side's Envoys are read for it: ours and Consul's alternate in blocks of four changes (one of each kind), so each side is measured on ${o.changes / 2} changes. Reading all ${o.envoys * 2} for every change made the read cycle, not the control planes, set the figure (at K = 50 a cycle took longer than our propagation). The other side is read afterwards, unmeasured, until it too shows the change.`,
    `${o.envoys} Envoys on ours (${o.envoys / 2} SotW, ${o.envoys / 2} Delta, one control plane) and ${o.envoys} on Consul, all --concurrency 1. The slowest of more Envoys is slower, so ratios pair equal counts: ours (all ${o.envoys}) with Consul (all ${o.envoys}), ours SotW with Consul half A and ours Delta with Consul half B (${o.envoys / 2} each).`,
    `${input.peerMissing ? 'No peer figure: see peerMissing.reason.' : `Consul's built-in xDS server speaks ${input.peerApiType} to the Envoys \`consul connect envoy -bootstrap\` configures, so it is the peer for both of our ADS flavours.`}`,
    `Polling: at most ${o.pollConcurrency} /clusters reads in flight over the measured side's ${o.envoys} Envoys, Envoys still behind read round-robin, at least ${o.pollIntervalMs} ms between two reads of one Envoy. Each figure is an upper bound; "resolution" is the mean gap between sending the last read that showed the old set and receiving the one that showed the new set, for the group's last Envoy. With ${o.envoys} Envoys read on 2 shared cores, resolution is set by the read cycle, not by --poll-ms, and the reads take CPU from the side being measured.`,
    'Percentiles are nearest-rank over the changes; below 100 changes p99 is the maximum.',
    ...(o.changes < 400 ? [`${o.changes} changes (--quick or --changes), ${o.changes / 2} measured per side: the full run makes 400, so that each side is measured on 200.`] : []),
  ];
  return {
    benchmark: 'propagation',
    figure: 'Consul write -> every Envoy of a group showing it in /clusters',
    generatedAt: new Date().toISOString(),
    options: input.options,
    machine: input.machine,
    peerApiType: input.peerApiType,
    peerMissing: input.peerMissing,
    groups,
    ratios,
    resources: input.resources,
    controlPlaneShare: input.controlPlaneShare,
    consulAnswerMs: summarize(input.records.map((r) => r.consulAnswerMs)),
    notes,
    samples: input.records.map((r) => ({ index: r.index, kind: r.kind, side: r.side, consulAnswerMs: r.consulAnswerMs, groups: r.groups })),
  };
}

export function propagationMarkdown(report: PropagationReport): string {
  const rows = report.groups.map((g) => {
    const l = g.latencyMs;
    const kinds = CHANGE_KINDS.map((k) => ms(g.byKind[k].p50)).join(' / ');
    return `| ${g.name} | ${g.envoys} | ${l.count} | ${ms(l.p50)} | ${ms(l.p90)} | ${ms(l.p99)} | ${ms(l.max)} | ${kinds} | ${ms(g.medianEnvoyMs.p50)} | ${ms(g.meanResolutionMs)} | ${g.idleReadMs.toFixed(2)} |`;
  });
  const ratioRows = report.ratios.map((r) => `| ${r.ours} / ${r.peer} | ${times(r.p50)} | ${times(r.p90)} | ${times(r.p99)} | ${times(r.max)} |`);
  const { before, after } = report.resources;
  const mib = (v: number) => v.toFixed(0);
  return [
    `# Propagation: ${report.figure}`,
    '',
    '![distribution of the per-change figures](propagation.svg)',
    '',
    '| group | Envoys | changes | p50 ms | p90 ms | p99 ms | max ms | p50 by kind ms (register / fail / pass / deregister) | p50 median Envoy ms | resolution ms | idle read ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    ...(report.peerMissing
      ? [`**Peer missing:** ${report.peerMissing.reason}`]
      : ['| ours / Consul | p50 | p90 | p99 | max |', '|---|---:|---:|---:|---:|', ...ratioRows]),
    '',
    `Resident memory, start -> end of the changes: our control plane ${mib(before.controlPlaneMiB)} -> ${mib(after.controlPlaneMiB)} MiB, Consul ${mib(before.consulMiB)} -> ${mib(after.consulMiB)} MiB, all Envoys ${mib(before.envoysTotalMiB)} -> ${mib(after.envoysTotalMiB)} MiB (${after.envoyMeanMiB.toFixed(1)} MiB each); load ${before.loadAverage.join(' / ')} -> ${after.loadAverage.join(' / ')}.`,
    '',
    `Where ours' time goes: Consul answering a blocking query on the service's health after the write (the bench holds one like the control plane's, on the event loop that also runs the reads, so an upper bound) p50 ${ms(report.consulAnswerMs.p50)} ms, p99 ${ms(report.consulAnswerMs.p99)} ms; our control plane from that answer to the response written (its mesh_xds_change_to_send_seconds histogram, ${report.controlPlaneShare.count} stream writes) p50 <= ${report.controlPlaneShare.p50AtMostMs} ms, p99 <= ${report.controlPlaneShare.p99AtMostMs} ms (bucket bounds); the rest is Envoy applying the update and the read cycle.`,
    '',
    machineLine(report.machine),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** Distribution of the per-change figure of each ADS flavour of ours and of Consul as a whole. */
export function propagationPlot(report: PropagationReport): string {
  const names = [GROUP.oursSotw, GROUP.oursDelta, 'ours (all)', 'Consul (all)'];
  const series = names
    .filter((name) => report.groups.some((g) => g.name === name))
    .map((name) => ({ label: name, samples: report.samples.flatMap((s) => (s.groups[name] ? [s.groups[name].allMs] : [])) }));
  return ecdfSvg('Consul write -> every Envoy of the group shows it in /clusters', 'ms', series);
}
