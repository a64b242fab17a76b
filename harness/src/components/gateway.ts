import { freePort } from '../process/free-port';
import type { ProcessSupervisor } from '../process/supervisor';
import { httpGet, waitFor } from '../process/wait-for';
import { adsBootstrap, startEnvoy, type EnvoyHandle } from './envoy';
import { envoyListeners, type XdsEndpoint } from './mesh-service';


/** node.cluster of the edge Envoy; the control plane serves it the gateway listener. */
export const GATEWAY_CLUSTER = 'gateway';
/** The listener the control plane gives it. */
const GATEWAY_LISTENER = 'gateway';

export interface GatewayHandle {
  /** Where users send requests, e.g. http://127.0.0.1:8080. */
  url: string;
  port: number;
  envoy: EnvoyHandle;
}

export interface GatewayOptions {
  xds: XdsEndpoint;
  /** The public port (node metadata gateway_port); free when omitted. */
  port?: number;
  adminPort?: number;
  nodeId?: string;
  /**
   * Services the gateway must route to before it counts as ready: each has a route, and its
   * cluster a healthy host. Read from the gateway Envoy's own admin API, so readiness needs
   * no service endpoint (such as /health) to be published.
   */
  publishes?: readonly string[];
  readyTimeoutMs?: number;
  /** The gateway's Consul ACL token (service:write on `gateway`), sent on its xDS stream. */
  token?: string;
}

/**
 * The edge Envoy: an ADS bootstrap whose node.cluster is `gateway` and whose metadata names
 * the public port. Everything else — the listener on that port and the path routes to each
 * service — comes from the control plane.
 */
export async function startGateway(supervisor: ProcessSupervisor, options: GatewayOptions): Promise<GatewayHandle> {
  const port = options.port ?? (await freePort());
  const nodeId = options.nodeId ?? 'gateway-1';
  const envoy = await startEnvoy(supervisor, {
    name: 'gateway-envoy',
    ...(options.adminPort !== undefined ? { adminPort: options.adminPort } : {}),
    bootstrap: (adminPort) =>
      adsBootstrap(
        {
          nodeId,
          service: GATEWAY_CLUSTER,
          xdsAddress: options.xds.address,
          xdsPort: options.xds.port,
          apiType: options.xds.apiType ?? 'GRPC',
          metadata: { gateway_port: port },
          ...(options.token ? { token: options.token } : {}),
        },
        adminPort,
      ),
  });
  await waitFor(`${nodeId}: the control plane's gateway listener on :${port}`, async () => (await envoyListeners(envoy.adminUrl)).includes(GATEWAY_LISTENER), {
    timeoutMs: options.readyTimeoutMs ?? 30_000,
    abort: envoy.process.exited.then((exit) => {
      throw new Error(`gateway Envoy exited (${exit.signal ?? exit.code}); see ${envoy.process.logFile}`);
    }),
  });
  if (options.publishes?.length) {
    const services = options.publishes;
    await waitFor(
      `${nodeId}: routes with healthy hosts to ${services.join(', ')}`,
      async () => {
        const { missing, routed, healthy } = await gatewayRouting(envoy.adminUrl, services);
        if (missing.length) throw new Error(`no route to a healthy host yet for ${missing.join(', ')} (routed clusters: ${routed.join(', ') || 'none'}; with a healthy host: ${healthy.join(', ') || 'none'})`);
        return true;
      },
      { timeoutMs: options.readyTimeoutMs ?? 30_000 },
    );
  }
  return { url: `http://127.0.0.1:${port}`, port, envoy };
}

interface RouteConfigEntry {
  route_config: { name: string; virtual_hosts?: Array<{ routes?: Array<{ route?: RouteTarget }> }> };
}
/** With `?resource=` each entry is one dynamic route config; without, they are grouped. */
interface RouteDump {
  configs: Array<Partial<RouteConfigEntry> & { dynamic_route_configs?: RouteConfigEntry[] }>;
}
interface RouteTarget {
  cluster?: string;
  weighted_clusters?: { clusters: Array<{ name: string }> };
}
interface ClusterStatuses {
  cluster_statuses?: Array<{ name: string; host_statuses?: Array<{ health_status?: { eds_health_status?: string } }> }>;
}

/** Of `services`, those the gateway has no route to, or whose routed clusters have no healthy host; and what it does have. */
async function gatewayRouting(adminUrl: string, services: readonly string[]): Promise<{ missing: string[]; routed: string[]; healthy: string[] }> {
  const dump = JSON.parse(await httpGet(`${adminUrl}/config_dump?resource=dynamic_route_configs`)) as RouteDump;
  const routed = new Set<string>();
  for (const config of dump.configs.flatMap((c) => (c.route_config ? [c as RouteConfigEntry] : (c.dynamic_route_configs ?? [])))) {
    if (config.route_config.name !== GATEWAY_LISTENER) continue;
    for (const route of (config.route_config.virtual_hosts ?? []).flatMap((h) => h.routes ?? [])) {
      for (const cluster of route.route?.cluster ? [route.route.cluster] : (route.route?.weighted_clusters?.clusters.map((c) => c.name) ?? [])) routed.add(cluster);
    }
  }
  const statuses = (JSON.parse(await httpGet(`${adminUrl}/clusters?format=json`)) as ClusterStatuses).cluster_statuses ?? [];
  const healthy = new Set(statuses.filter((c) => c.host_statuses?.some((h) => (h.health_status?.eds_health_status ?? 'HEALTHY') === 'HEALTHY')).map((c) => c.name));
  // A subset cluster is named `<service>~<subset>`.
  const ready = new Set([...routed].filter((cluster) => healthy.has(cluster)).map((cluster) => cluster.split('~')[0]));
  return { missing: services.filter((service) => !ready.has(service)), routed: [...routed], healthy: [...healthy] };
}
