import { Agent, get } from 'node:http';

/** One Envoy whose view of the changing service is measured. */
export interface ClusterProbe {
  /** Unique per Envoy. */
  name: string;
  /** The group whose every member must show a change, e.g. "ours SotW". */
  group: string;
  adminUrl: string;
  /** Picks the changing service's cluster out of /clusters; the naming differs per control plane. */
  matches: (clusterName: string) => boolean;
}

interface HostStatus {
  address?: { socket_address?: { address?: string; port_value?: number } };
  health_status?: { eds_health_status?: string } & Record<string, unknown>;
}

interface ClustersJson {
  cluster_statuses?: Array<{ name: string; host_statuses?: HostStatus[] }>;
}

export class AdminReadError extends Error {
  override readonly name = 'AdminReadError';
}

// node:http with a kept-alive socket costs about half of what fetch() does per read, and
// every microsecond the poller spends is taken from the processes being measured.
const agent = new Agent({ keepAlive: true, maxSockets: 2 });

function getText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent, timeout: timeoutMs }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(body) : reject(new AdminReadError(`GET ${url} -> ${response.statusCode} ${body.slice(0, 200)}`)),
      );
    });
    request.on('timeout', () => request.destroy(new AdminReadError(`GET ${url}: no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

const NOT_ROUTABLE = new Set(['UNHEALTHY', 'DRAINING', 'TIMEOUT']);

/**
 * A host Envoy would send traffic to. Our control plane removes a critical instance; Consul's
 * marks it UNHEALTHY in EDS and keeps it. Either way the host stops being routable, which is
 * the change both are measured on.
 */
function routable(host: HostStatus): boolean {
  const health = host.health_status ?? {};
  if (health.eds_health_status !== undefined && NOT_ROUTABLE.has(health.eds_health_status)) return false;
  return !Object.entries(health).some(([key, value]) => key.startsWith('failed_') && value === true);
}

/** The cluster's routable hosts as sorted "ip:port" joined by commas; "" when the cluster is absent. */
export async function readRoutableHosts(probe: ClusterProbe, timeoutMs = 5000): Promise<string> {
  const clusters = JSON.parse(await getText(`${probe.adminUrl}/clusters?format=json`, timeoutMs)) as ClustersJson;
  const cluster = clusters.cluster_statuses?.find((c) => probe.matches(c.name));
  const hosts = (cluster?.host_statuses ?? []).filter(routable).map((h) => `${h.address?.socket_address?.address}:${h.address?.socket_address?.port_value}`);
  return hostSetKey(hosts);
}

/** Lets the process exit once the run is over instead of waiting for idle sockets to time out. */
export function closeAdminConnections(): void {
  agent.destroy();
}

export function hostSetKey(hosts: readonly string[]): string {
  return [...hosts].sort().join(',');
}
