import { join } from 'node:path';
import { freePorts } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { repoRoot } from '../toolchain/paths';

export interface ControlPlaneHandle {
  xdsPort: number;
  adminUrl: string;
  process: ManagedProcess;
}

export interface ControlPlaneOptions {
  /** Consul's HTTP API, e.g. http://127.0.0.1:8500. */
  consulAddr: string;
  /** Fixed ports; free ones when omitted. */
  ports?: { xds: number; admin: number };
  /** OTLP/gRPC collector the control plane tells every proxy to send spans to (`--proxy-otlp`). */
  proxyOtlp?: string;
  /** mesh.config.ts to load and watch (`mesh xds --config`). */
  configFile?: string;
  /** Options for node itself, e.g. --cpu-prof (not allowed in NODE_OPTIONS). */
  nodeArgs?: readonly string[];
  readyTimeoutMs?: number;
  /** Extra environment, e.g. MESH_LOG_LEVEL or MESH_XDS_TEST_HOOKS. */
  env?: Record<string, string>;
  /** What the console at /ui/ reads besides the control plane (`--prometheus`, `--jaeger`, `--temporal`, `--temporal-ui`). */
  console?: { prometheusUrl?: string; jaegerUrl?: string; temporalAddress?: string; temporalUiUrl?: string };
  /** The repository checkout whose built CLI runs (default: this one); benchmarks compare against another. */
  checkout?: string;
}

/**
 * Runs the built control plane (`mesh xds`) as its own supervised process, like every other
 * component. Ready means /health says UP: the first Consul catalog is in.
 */
export async function startControlPlane(supervisor: ProcessSupervisor, options: ControlPlaneOptions): Promise<ControlPlaneHandle> {
  const [xds, admin] = options.ports ? [options.ports.xds, options.ports.admin] : ((await freePorts(2)) as [number, number]);
  const adminUrl = `http://127.0.0.1:${admin}`;
  const managed = await supervisor.start({
    name: 'xds-server',
    command: process.execPath,
    args: [
      ...(options.nodeArgs ?? []),
      join(options.checkout ?? repoRoot(), 'xds-server/dist/cli/main.js'),
      'xds',
      `--port=${xds}`,
      `--admin-port=${admin}`,
      `--consul=${options.consulAddr}`,
      ...(options.configFile ? [`--config=${options.configFile}`] : []),
      ...(options.proxyOtlp ? [`--proxy-otlp=${options.proxyOtlp}`] : []),
      ...(options.console?.prometheusUrl ? [`--prometheus=${options.console.prometheusUrl}`] : []),
      ...(options.console?.jaegerUrl ? [`--jaeger=${options.console.jaegerUrl}`] : []),
      ...(options.console?.temporalAddress ? [`--temporal=${options.console.temporalAddress}`] : []),
      ...(options.console?.temporalUiUrl ? [`--temporal-ui=${options.console.temporalUiUrl}`] : []),
    ],
    env: options.env ?? {},
    ready: async () => (JSON.parse(await httpGet(`${adminUrl}/health`)) as { status: string }).status === 'UP',
    ...(options.readyTimeoutMs ? { readyTimeoutMs: options.readyTimeoutMs } : {}),
  });
  return { xdsPort: xds, adminUrl, process: managed };
}
