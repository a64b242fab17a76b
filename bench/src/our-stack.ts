import { adsBootstrap, freePorts, startControlPlane, startEnvoy, type ProcessSupervisor } from '@mesh/harness';
import type { ClusterProbe } from './envoy-clusters';

const API_TYPES = [
  { label: 'ours SotW', apiType: 'GRPC' },
  { label: 'ours Delta', apiType: 'DELTA_GRPC' },
] as const;

/** Our control plane plus one Envoy per ADS flavour, all for the same client service. */
export async function startOurEnvoys(supervisor: ProcessSupervisor, consulAddr: string, clientService: string, cluster: string): Promise<ClusterProbe[]> {
  // info is the default an operator runs with; debug logging would tax every push.
  const { xdsPort } = await startControlPlane(supervisor, { consulAddr, env: { MESH_LOG_LEVEL: 'info' } });
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
