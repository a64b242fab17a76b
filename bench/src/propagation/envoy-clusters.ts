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

const FLAGS = '::health_flags::';

/**
 * A host Envoy would send traffic to: no failed_* flag (failed_eds_health, failed_active_hc,
 * failed_outlier_check, ...) and not pending removal. Our control plane removes a critical
 * instance; Consul's marks it UNHEALTHY in EDS and keeps it. Either way it stops being
 * routable, which is the change both are measured on.
 */
function routable(flags: string): boolean {
  return !flags.includes('failed_') && !flags.includes('pending_dynamic_removal');
}

/**
 * The cluster's routable hosts as sorted "ip:port" joined by commas; "" when the cluster is
 * absent. Reads the text form of /clusters, whose `<cluster>::<host>::health_flags::<flags>`
 * lines carry the same host set and health as the JSON form at about half the parsing cost.
 */
export async function readRoutableHosts(probe: ClusterProbe, timeoutMs = 5000): Promise<string> {
  const text = await getText(`${probe.adminUrl}/clusters`, timeoutMs);
  const hosts: string[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf(FLAGS);
    if (at < 0) continue;
    const [cluster, host] = line.slice(0, at).split('::');
    if (cluster !== undefined && host !== undefined && probe.matches(cluster) && routable(line.slice(at + FLAGS.length))) hosts.push(host);
  }
  return hostSetKey(hosts);
}

/** Lets the process exit once the run is over instead of waiting for idle sockets to time out. */
export function closeAdminConnections(): void {
  agent.destroy();
}

export function hostSetKey(hosts: readonly string[]): string {
  return [...hosts].sort().join(',');
}
