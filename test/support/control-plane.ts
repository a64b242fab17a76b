import { startControlPlane as start, type ControlPlaneHandle, type ProcessSupervisor } from '@mesh/harness';

export type { ControlPlaneHandle };

/** The control plane for a test, with debug logs in its run-dir log. */
export function startControlPlane(
  supervisor: ProcessSupervisor,
  consulAddr: string,
  ports?: { xds: number; admin: number },
  env: Record<string, string> = {},
  configFile?: string,
): Promise<ControlPlaneHandle> {
  return start(supervisor, { consulAddr, ports, env: { MESH_LOG_LEVEL: 'debug', ...env }, ...(configFile ? { configFile } : {}) });
}
