import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, loadavg, release, totalmem, type } from 'node:os';
import { loadToolchain, repoRoot } from '@mesh/harness';

export interface MachineInfo {
  os: string;
  kernel: string;
  arch: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  /** 1, 5 and 15 minute load when the scenario began: anything else busy on the machine skews the figures. */
  loadAverage: number[];
  /** The same when the scenario ended (includes the benchmark's own load). */
  loadAverageAtEnd?: number[];
  /** The pinned versions from toolchain.json. */
  tools: { envoy: string; consul: string };
  /** The control plane under test; another engineer may be editing it, so say which state ran. */
  controlPlane: { commit: string; uncommittedChangesInXdsServer: boolean };
}

function git(args: readonly string[], cwd = repoRoot()): string {
  try {
    return execFileSync('git', [...args], { cwd, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The commit another checkout (a `--baseline`) is at: results name it so, since a path says nothing elsewhere. */
export function commitOf(checkout: string): string {
  return git(['rev-parse', 'HEAD'], checkout);
}

function distribution(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? type();
  } catch {
    return type();
  }
}

export function describeMachine(): MachineInfo {
  const cpuList = cpus();
  const toolchain = loadToolchain();
  return {
    os: distribution(),
    kernel: `${type()} ${release()}`,
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    loadAverage: loadNow(),
    tools: { envoy: toolchain.python.wheels.envoy.upstream, consul: toolchain.go.consul.upstream },
    controlPlane: {
      commit: git(['rev-parse', 'HEAD']),
      uncommittedChangesInXdsServer: git(['status', '--porcelain', '--', 'xds-server']) !== '',
    },
  };
}

export function loadNow(): number[] {
  return loadavg().map((l) => Math.round(l * 100) / 100);
}

export function machineLine(m: MachineInfo): string {
  const load = `load ${m.loadAverage.join(' / ')} at start${m.loadAverageAtEnd ? `, ${m.loadAverageAtEnd.join(' / ')} at end` : ''}`;
  const cp = `${m.controlPlane.commit.slice(0, 12)}${m.controlPlane.uncommittedChangesInXdsServer ? ' + uncommitted changes in xds-server/' : ''}`;
  return `Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os} (${m.kernel}, ${m.arch}), Node ${m.node}, ${load}; ${m.tools.envoy}, ${m.tools.consul}; control plane ${cp}.`;
}
