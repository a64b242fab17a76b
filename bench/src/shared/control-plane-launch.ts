import { join } from 'node:path';
import { freePorts, httpGet, repoRoot, type ManagedProcess, type ProcessSupervisor } from '@mesh/harness';

export interface BenchControlPlane {
  xdsPort: number;
  adminUrl: string;
  process: ManagedProcess;
}

export interface BenchControlPlaneOptions {
  consulAddr: string;
  /** Options for node itself, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: readonly string[];
  /** Extra `mesh xds` arguments, e.g. --config <file>. */
  args?: readonly string[];
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * `mesh xds` as the harness starts it, plus node options and extra CLI arguments, which the
 * benchmarks need for profiling and for a DSL config. Ready means /health says UP.
 */
export async function startBenchControlPlane(supervisor: ProcessSupervisor, options: BenchControlPlaneOptions): Promise<BenchControlPlane> {
  const [xds, admin] = (await freePorts(2)) as [number, number];
  const adminUrl = `http://127.0.0.1:${admin}`;
  const managed = await supervisor.start({
    name: 'xds-server',
    command: process.execPath,
    args: [
      ...(options.nodeArgs ?? []),
      join(repoRoot(), 'xds-server/dist/cli/main.js'),
      'xds',
      `--port=${xds}`,
      `--admin-port=${admin}`,
      `--consul=${options.consulAddr}`,
      ...(options.args ?? []),
    ],
    // info is the level an operator runs with; it logs a line per stream opened and closed.
    env: { MESH_LOG_LEVEL: 'info', ...options.env },
    ready: async () => (JSON.parse(await httpGet(`${adminUrl}/health`)) as { status: string }).status === 'UP',
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  return { xdsPort: xds, adminUrl, process: managed };
}
