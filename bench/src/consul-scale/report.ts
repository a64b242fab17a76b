import type { ConsulScaleOptions } from '../args';
import { machineLine, type MachineInfo } from '../shared/machine';
import { ms } from '../shared/results';
import type { ChangeFigures, ControlPlaneRun } from './measure';

export const TARGETS = { upMs: 30_000, maxConnections: 8, changeP99Ms: 100, burstP99Ms: 30 } as const;

export interface ConsulScaleReport {
  scenario: 'consul-scale';
  machine: MachineInfo;
  /** As given, except the baseline, which is named by its commit (a path says nothing elsewhere). */
  options: Omit<ConsulScaleOptions, 'baseline'> & { baselineCommit?: string };
  targets: typeof TARGETS;
  /** The run on the large catalog, judged against the targets. */
  verdict: { up: boolean; connections: boolean; change: boolean; burst: boolean };
  runs: ControlPlaneRun[];
  notes: string[];
}

export function buildConsulScaleReport(machine: MachineInfo, given: ConsulScaleOptions, runs: ControlPlaneRun[], baselineCommit?: string): ConsulScaleReport {
  const { baseline: _baseline, ...rest } = given;
  const options = { ...rest, ...(baselineCommit ? { baselineCommit } : {}) };
  const main = runs[0];
  const verdict = {
    up: main !== undefined && main.upMs <= TARGETS.upMs,
    connections: main !== undefined && main.maxConnections <= TARGETS.maxConnections,
    change: (main?.changes?.all.p99 ?? Infinity) <= TARGETS.changeP99Ms,
    burst: (main?.burst?.all.p99 ?? Infinity) <= TARGETS.burstP99Ms,
  };
  const notes = [
    `Consul runs with its default limits (http_max_conns_per_client = 200). Every service has one instance with a passing TTL check; the control plane runs as its own process (\`mesh xds\`, log level info).`,
    'UP: from spawning the control plane to /health answering UP, which it does once its first snapshot holds every service; it includes starting Node and Nest.',
    'Connections: ESTABLISHED TCP connections from the control plane process to the agent\'s HTTP port (/proc/<pid>/fd and /proc/<pid>/net/tcp), sampled every 10 ms from the spawn to the end of the run.',
    'Change: from the return of the agent write (register or deregister an extra instance of one service) until /info/routes shows it. /health, which names the catalog version the routes were built from (both change in one synchronous update), is read every 5 ms, and /info/routes once per new version to check the state; the figure is the return of the /health read that first named the version showing the change, an upper bound late by at most that read and the 5 ms pause (the resolution column is the read). Reading /info/routes itself back to back (tens of ms for 2,000 services) would blur the figure and load the control plane.',
    'Burst: register an instance, fail its TTL check, pass it, deregister it, each write as soon as the previous change showed in /info/routes (the span is the whole sequence); one second between bursts.',
    '"Unchecked" changes register an instance without any check: only the services table shows it, so the control plane reads every service once to find it.',
    ...(runs.some((r) => r.label === 'baseline')
      ? [
          `The baseline is another build of the control plane (\`--baseline\`${baselineCommit ? `, commit ${baselineCommit.slice(0, 12)}` : ''}), run on the smaller catalog, which it can follow on a default agent (it holds one blocking query per service).`,
        ]
      : []),
    'CPU per change: the control plane process\'s user + system time over all timed changes (and the /health and /info/routes reads they cost), divided by their number.',
    'Percentiles are nearest-rank; with fewer than 100 samples p99 is the maximum.',
  ];
  return { scenario: 'consul-scale', machine, options, targets: TARGETS, verdict, runs, notes };
}

function row(run: ControlPlaneRun, name: string, f: ChangeFigures | undefined): string {
  if (!f) return '';
  return `| ${run.label} | ${run.services} | ${name} | ${f.all.count} | ${ms(f.all.p50)} | ${ms(f.all.p99)} | ${ms(f.resolution.p50)} |\n`;
}

export function consulScaleMarkdown(report: ConsulScaleReport): string {
  const t = report.targets;
  const v = report.verdict;
  const mark = (ok: boolean) => (ok ? 'met' : 'MISSED');
  let out = '## consul-scale: a large catalog on a default Consul agent\n\n';
  out += '| control plane | services | UP s | max connections to the agent | CPU ms per change |\n|---|---:|---:|---:|---:|\n';
  for (const r of report.runs) out += `| ${r.label} | ${r.services} | ${(r.upMs / 1000).toFixed(1)} | ${r.maxConnections} | ${ms(r.cpuMsPerChange)} |\n`;
  out += '\n| control plane | services | change | n | p50 ms | p99 ms | resolution p50 ms |\n|---|---:|---|---:|---:|---:|---:|\n';
  for (const r of report.runs) {
    out += row(r, 'register / deregister', r.changes);
    out += row(r, 'unchecked register / deregister', r.uncheckedChanges);
    out += row(r, 'burst (register, fail, pass, deregister)', r.burst);
  }
  const bursts = report.runs.filter((r) => r.burst);
  if (bursts.length > 0) {
    out += '\n| control plane | services | burst span p50 ms | burst span p99 ms |\n|---|---:|---:|---:|\n';
    for (const r of bursts) out += `| ${r.label} | ${r.services} | ${ms(r.burst?.spanMs.p50)} | ${ms(r.burst?.spanMs.p99)} |\n`;
  }
  out += `\nTargets on the large catalog: UP <= ${t.upMs / 1000} s (${mark(v.up)}), <= ${t.maxConnections} connections (${mark(v.connections)}), change p99 <= ${t.changeP99Ms} ms (${mark(v.change)}), burst p99 <= ${t.burstP99Ms} ms (${mark(v.burst)}).\n\n`;
  out += `${machineLine(report.machine)}\n\n`;
  for (const note of report.notes) out += `- ${note}\n`;
  return out;
}
