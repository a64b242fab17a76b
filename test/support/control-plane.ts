import { join } from 'node:path';
import { freePorts, httpGet, repoRoot, type ManagedProcess, type ProcessSupervisor } from '@mesh/harness';

export interface ControlPlaneHandle {
  xdsPort: number;
  adminUrl: string;
  process: ManagedProcess;
}

/** Runs `mesh xds` as its own process, ready once /health says UP. */
export async function startControlPlane(
  supervisor: ProcessSupervisor,
  consulAddr: string,
  ports?: { xds: number; admin: number },
  name = 'xds-server',
  env: Record<string, string> = {},
): Promise<ControlPlaneHandle> {
  const [xds, admin] = ports ? [ports.xds, ports.admin] : await freePorts(2);
  const adminUrl = `http://127.0.0.1:${admin}`;
  const managed = await supervisor.start({
    name,
    command: process.execPath,
    args: [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'xds', `--port=${xds}`, `--admin-port=${admin}`, `--consul=${consulAddr}`],
    env: { MESH_LOG_LEVEL: 'debug', ...env },
    ready: async () => (JSON.parse(await httpGet(`${adminUrl}/health`)) as { status: string }).status === 'UP',
  });
  return { xdsPort: xds as number, adminUrl, process: managed };
}
