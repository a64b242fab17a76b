import { httpGet } from '@mesh/harness';

interface ClustersJson {
  cluster_statuses?: Array<{
    name: string;
    host_statuses?: Array<{ address: { socket_address: { address: string; port_value: number } } }>;
  }>;
}

/** The upstream hosts Envoy currently has for a cluster, as "ip:port", from admin /clusters. */
export async function clusterHosts(adminUrl: string, cluster: string): Promise<string[]> {
  const clusters = JSON.parse(await httpGet(`${adminUrl}/clusters?format=json`)) as ClustersJson;
  const found = clusters.cluster_statuses?.find((c) => c.name === cluster);
  return (found?.host_statuses ?? []).map((h) => `${h.address.socket_address.address}:${h.address.socket_address.port_value}`).sort();
}

/** One counter or gauge from admin /stats. */
export async function envoyStat(adminUrl: string, name: string): Promise<number> {
  const body = await httpGet(`${adminUrl}/stats?filter=${encodeURIComponent(`^${name.replace(/\./g, '\\.')}$`)}`);
  const match = new RegExp(`^${name.replace(/\./g, '\\.')}: (\\d+)`, 'm').exec(body);
  return match ? Number(match[1]) : 0;
}

interface ConfigDump {
  configs: Array<{ '@type': string; dynamic_route_configs?: Array<{ version_info?: string; route_config: RouteConfig }> }>;
}

export interface RouteConfig {
  name: string;
  virtual_hosts?: Array<{ name: string; routes?: Array<{ match: Record<string, unknown>; route?: Record<string, unknown> }> }>;
}

/** The dynamic (RDS) route configurations Envoy has accepted, from admin /config_dump. */
export async function dynamicRouteConfigs(adminUrl: string): Promise<RouteConfig[]> {
  const dump = JSON.parse(await httpGet(`${adminUrl}/config_dump?resource=dynamic_route_configs`)) as ConfigDump;
  return dump.configs.flatMap((c) => ('route_config' in c ? [(c as unknown as { route_config: RouteConfig }).route_config] : (c.dynamic_route_configs ?? []).map((d) => d.route_config)));
}

/** Per-host request counters of one cluster, from admin /clusters (text): "ip:port" -> {rq_active, rq_total, ...}. */
export async function clusterHostStats(adminUrl: string, cluster: string): Promise<Map<string, Record<string, number>>> {
  const hosts = new Map<string, Record<string, number>>();
  for (const line of (await httpGet(`${adminUrl}/clusters`)).split('\n')) {
    const match = /^([^:]+)::([\d.]+:\d+)::(\w+)::(\d+)$/.exec(line.trim());
    if (!match || match[1] !== cluster) continue;
    const stats = hosts.get(match[2] as string) ?? {};
    stats[match[3] as string] = Number(match[4]);
    hosts.set(match[2] as string, stats);
  }
  return hosts;
}
