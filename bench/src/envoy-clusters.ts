import { Agent, get } from 'node:http';

/** One Envoy whose view of the changing service is measured. */
export interface ClusterProbe {
  label: string;
  adminUrl: string;
  /** The ADS flavour this Envoy speaks, as its bootstrap names it. */
  apiType: string;
  /** Picks the changing service's cluster out of /clusters; the naming differs per control plane. */
  matches: (clusterName: string) => boolean;
}

interface ClustersJson {
  cluster_statuses?: Array<{
    name: string;
    host_statuses?: Array<{ address?: { socket_address?: { address?: string; port_value?: number } } }>;
  }>;
}

export class AdminReadError extends Error {
  override readonly name = 'AdminReadError';
}

// node:http with a kept-alive socket costs about half of what fetch() does per read, and
// every microsecond the poller spends is taken from the processes being measured.
const agent = new Agent({ keepAlive: true, maxSockets: 8 });

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

/** The cluster's hosts as sorted "ip:port" strings joined by commas; "" when the cluster is absent. */
export async function readHostSet(probe: ClusterProbe): Promise<string> {
  const clusters = JSON.parse(await getText(`${probe.adminUrl}/clusters?format=json`, 2000)) as ClustersJson;
  const cluster = clusters.cluster_statuses?.find((c) => probe.matches(c.name));
  const hosts = (cluster?.host_statuses ?? []).map((h) => `${h.address?.socket_address?.address}:${h.address?.socket_address?.port_value}`);
  return hostSetKey(hosts);
}

/** Lets the process exit once the run is over instead of waiting for idle sockets to time out. */
export function closeAdminConnections(): void {
  agent.destroy();
}

export function hostSetKey(hosts: readonly string[]): string {
  return [...hosts].sort().join(',');
}
