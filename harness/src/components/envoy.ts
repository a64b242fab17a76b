import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { toolBin } from '../toolchain/paths';

export interface EnvoyHandle {
  name: string;
  adminUrl: string;
  adminPort: number;
  bootstrapFile: string;
  process: ManagedProcess;
}

export interface EnvoyOptions {
  /** Component name, unique within the supervisor (log file and Envoy's node id). */
  name: string;
  /** Builds the bootstrap from the admin port chosen for this Envoy. */
  bootstrap: (adminPort: number) => unknown;
  adminPort?: number;
  logLevel?: 'trace' | 'debug' | 'info' | 'warning' | 'error';
  readyTimeoutMs?: number;
}

/** A bootstrap with only the admin interface: enough for Envoy to start and answer /ready. */
export function adminOnlyBootstrap(nodeId: string, adminPort: number): unknown {
  return {
    node: { id: nodeId, cluster: nodeId },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
  };
}

/**
 * Starts Envoy with the given bootstrap. Hot restart is disabled so several Envoys can
 * share one host without base-id bookkeeping. Ready means admin `/ready` answers LIVE.
 */
export async function startEnvoy(supervisor: ProcessSupervisor, options: EnvoyOptions): Promise<EnvoyHandle> {
  const adminPort = options.adminPort ?? (await freePort());
  const bootstrapFile = join(supervisor.runDir, `${options.name}.bootstrap.yaml`);
  writeFileSync(bootstrapFile, stringify(options.bootstrap(adminPort)));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const managed = await supervisor.start({
    name: options.name,
    command: toolBin('envoy'),
    args: ['-c', bootstrapFile, '--disable-hot-restart', '--log-level', options.logLevel ?? 'warning'],
    ready: async () => (await httpGet(`${adminUrl}/ready`)).trim() === 'LIVE',
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  return { name: options.name, adminUrl, adminPort, bootstrapFile, process: managed };
}
