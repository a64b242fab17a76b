import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { adsBootstrap, type ConsulHandle, freePorts, startControlPlane, toolBin } from '@mesh/harness';
import { inBatches, registerSidecarClient } from '../shared/consul-agent';
import { BENCH_LOG } from '../shared/run-context';
import { startBenchEnvoy } from '../shared/envoy-launch';
import { throwIfInterrupted, type RunContext } from '../shared/run-context';
import type { ClusterProbe } from './envoy-clusters';

const execFileAsync = promisify(execFile);

export const GROUP = {
  oursSotw: 'ours SotW',
  oursDelta: 'ours Delta',
  consulA: 'Consul (half A)',
  consulB: 'Consul (half B)',
} as const;

/** Envoys started at once: each start costs a burst of CPU, and two cores are shared. */
const START_CONCURRENCY = 4;

export interface OurEnvoys {
  probes: ClusterProbe[];
  controlPlanePid: number;
  controlPlaneAdminUrl: string;
}

/**
 * Our control plane plus `count` Envoys, the first half on SotW ADS and the second on Delta,
 * all sidecars of the same client service.
 */
export async function startOurEnvoys(ctx: RunContext, consulAddr: string, clientService: string, cluster: string, count: number): Promise<OurEnvoys> {
  const { xdsPort, adminUrl, process: cp } = await startControlPlane(ctx.supervisor, { consulAddr, nodeArgs: ctx.controlPlaneNodeArgs, env: BENCH_LOG, readyTimeoutMs: 60_000 });
  const specs = Array.from({ length: count }, (_, i) => {
    const delta = i >= count / 2;
    return { index: i, apiType: delta ? ('DELTA_GRPC' as const) : ('GRPC' as const), group: delta ? GROUP.oursDelta : GROUP.oursSotw };
  });
  const probes: ClusterProbe[] = [];
  await inBatches(specs, START_CONCURRENCY, async ({ index, apiType, group }) => {
    throwIfInterrupted(ctx.signal);
    // Each Envoy needs its own outbound listener port, or its listener fails to bind.
    const [outboundPort] = (await freePorts(1)) as [number];
    const nodeId = `${clientService}-${apiType.toLowerCase()}-${index}`;
    const envoy = await startBenchEnvoy(ctx.supervisor, `envoy-${nodeId}`, (adminPort) =>
      adsBootstrap({ nodeId, service: clientService, xdsAddress: '127.0.0.1', xdsPort, apiType, metadata: { outbound_port: outboundPort } }, adminPort),
    );
    probes[index] = { name: nodeId, group, adminUrl: envoy.adminUrl, matches: (name) => name === cluster };
  });
  return { probes, controlPlanePid: cp.pid, controlPlaneAdminUrl: adminUrl };
}

interface BootstrapShape {
  dynamic_resources?: { ads_config?: { api_type?: string } };
}

/** `consul connect envoy -bootstrap`: the bootstrap Consul itself generates for a registered sidecar. */
async function consulBootstrap(consul: ConsulHandle, serviceId: string, adminPort: number): Promise<BootstrapShape> {
  const args = [
    'connect', 'envoy', '-bootstrap',
    '-sidecar-for', serviceId,
    '-admin-bind', `127.0.0.1:${adminPort}`,
    '-grpc-addr', `127.0.0.1:${consul.ports.grpc}`,
    '-http-addr', consul.httpAddr,
  ];
  const { stdout } = await execFileAsync(toolBin('consul'), args, { timeout: 30_000 });
  return JSON.parse(stdout) as BootstrapShape;
}

/**
 * The peer: `count` instances of a client service, each with a Connect sidecar whose one
 * upstream is the changing service, each sidecar an Envoy bootstrapped by Consul and fed by
 * Consul's built-in xDS server. Consul names the upstream's cluster
 * `<service>.default.<dc>.internal.<trust domain>.consul`.
 */
export async function startConsulEnvoys(ctx: RunContext, consul: ConsulHandle, clientService: string, upstream: string, count: number): Promise<{ probes: ClusterProbe[]; apiType: string }> {
  const probes: ClusterProbe[] = [];
  let apiType = 'unknown';
  await inBatches(
    Array.from({ length: count }, (_, i) => i),
    START_CONCURRENCY,
    async (index) => {
      throwIfInterrupted(ctx.signal);
      const [adminPort, appPort, sidecarPort, upstreamLocalPort] = (await freePorts(4)) as [number, number, number, number];
      const id = `${clientService}-${index}`;
      await registerSidecarClient(consul.httpAddr, {
        service: clientService,
        id,
        appPort,
        sidecarPort,
        upstreams: [{ name: upstream, localBindPort: upstreamLocalPort }],
      });
      const bootstrap = await consulBootstrap(consul, id, adminPort);
      apiType = bootstrap.dynamic_resources?.ads_config?.api_type ?? apiType;
      const envoy = await startBenchEnvoy(ctx.supervisor, `envoy-consul-${id}`, () => bootstrap, adminPort);
      probes[index] = {
        name: `consul-${id}`,
        group: index < count / 2 ? GROUP.consulA : GROUP.consulB,
        adminUrl: envoy.adminUrl,
        matches: (name) => name.startsWith(`${upstream}.default.`),
      };
    },
  );
  return { probes, apiType };
}
