import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { freePorts, startEnvoy, toolBin, type ConsulHandle, type ProcessSupervisor } from '@mesh/harness';
import { registerSidecarClient } from './consul-agent';
import type { ClusterProbe } from './envoy-clusters';

const execFileAsync = promisify(execFile);

interface BootstrapShape {
  dynamic_resources?: { ads_config?: { api_type?: string } };
}

/** `consul connect envoy -bootstrap`: the bootstrap Consul itself generates for a registered sidecar. */
async function consulBootstrap(consul: ConsulHandle, service: string, adminPort: number): Promise<BootstrapShape> {
  const args = [
    'connect', 'envoy', '-bootstrap',
    '-sidecar-for', service,
    '-admin-bind', `127.0.0.1:${adminPort}`,
    '-grpc-addr', `127.0.0.1:${consul.ports.grpc}`,
    '-http-addr', consul.httpAddr,
  ];
  const { stdout } = await execFileAsync(toolBin('consul'), args, { timeout: 30_000 });
  return JSON.parse(stdout) as BootstrapShape;
}

/**
 * The peer: Consul's built-in xDS server feeding an Envoy for a sidecar whose one upstream is
 * the changing service. Consul names that cluster `<service>.default.<dc>.internal.<trust domain>.consul`.
 */
export async function startConsulPeer(supervisor: ProcessSupervisor, consul: ConsulHandle, clientService: string, upstream: string): Promise<ClusterProbe> {
  const [adminPort, appPort, sidecarPort, upstreamLocalPort] = (await freePorts(4)) as [number, number, number, number];
  await registerSidecarClient(consul.httpAddr, { service: clientService, appPort, sidecarPort, upstream, upstreamLocalPort });
  const bootstrap = await consulBootstrap(consul, clientService, adminPort);
  const envoy = await startEnvoy(supervisor, { name: 'envoy-consul-peer', adminPort, bootstrap: () => bootstrap });
  const apiType = bootstrap.dynamic_resources?.ads_config?.api_type ?? 'unknown';
  return { label: `Consul peer (${apiType})`, apiType, adminUrl: envoy.adminUrl, matches: (name) => name.startsWith(`${upstream}.default.`) };
}
