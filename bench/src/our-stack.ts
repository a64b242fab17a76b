import { join } from 'node:path';
import { adsBootstrap, freePorts, httpGet, repoRoot, startEnvoy, type ProcessSupervisor } from '@mesh/harness';
import type { ClusterProbe } from './envoy-clusters';

const API_TYPES = [
  { label: 'ours SotW', apiType: 'GRPC' },
  { label: 'ours Delta', apiType: 'DELTA_GRPC' },
] as const;

/** Runs `mesh xds` from its build, as an operator would, and returns its xDS port once /health is UP. */
async function startControlPlane(supervisor: ProcessSupervisor, consulAddr: string): Promise<number> {
  const [xds, admin] = (await freePorts(2)) as [number, number];
  const adminUrl = `http://127.0.0.1:${admin}`;
  await supervisor.start({
    name: 'xds-server',
    command: process.execPath,
    args: [join(repoRoot(), 'xds-server/dist/cli/main.js'), 'xds', `--port=${xds}`, `--admin-port=${admin}`, `--consul=${consulAddr}`],
    // info is the default an operator runs with; debug logging would tax every push.
    env: { MESH_LOG_LEVEL: 'info' },
    ready: async () => (JSON.parse(await httpGet(`${adminUrl}/health`)) as { status: string }).status === 'UP',
  });
  return xds;
}

/** Our control plane plus one Envoy per ADS flavour, all for the same client service. */
export async function startOurEnvoys(supervisor: ProcessSupervisor, consulAddr: string, clientService: string, cluster: string): Promise<ClusterProbe[]> {
  const xdsPort = await startControlPlane(supervisor, consulAddr);
  const probes: ClusterProbe[] = [];
  for (const { label, apiType } of API_TYPES) {
    // Each Envoy needs its own outbound listener port, or the second one's listener fails to bind.
    const [outboundPort] = (await freePorts(1)) as [number];
    const nodeId = `${clientService}-${apiType.toLowerCase()}`;
    const envoy = await startEnvoy(supervisor, {
      name: `envoy-${nodeId}`,
      bootstrap: (adminPort) =>
        adsBootstrap({ nodeId, service: clientService, xdsAddress: '127.0.0.1', xdsPort, apiType, metadata: { outbound_port: outboundPort } }, adminPort),
    });
    probes.push({ label, apiType, adminUrl: envoy.adminUrl, matches: (name) => name === cluster });
  }
  return probes;
}
