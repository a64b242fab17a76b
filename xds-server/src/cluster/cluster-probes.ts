import { namespaceGet } from '@mesh/harness';
import type { ProxyInfo } from '../admin/proxy-info';
import { PORTS } from '../generate/deploy-conventions';
import type { SimulatedCluster } from './simulated-cluster';

/**
 * What a test or benchmark reads from a running simulated cluster, each through the
 * component's own API: Consul's HTTP API inside a node, each control-plane replica's admin
 * API, and an Envoy's admin API inside its node.
 */

export interface Registration {
  node: string;
  serviceId: string;
  service: string;
  address: string;
  port: number;
}

export async function consulLeader(cluster: SimulatedCluster, from: string): Promise<string> {
  return JSON.parse(await cluster.consulGet(from, '/v1/status/leader')) as string;
}

/** Serf members as `from` sees them: name → alive. */
export async function consulMembers(cluster: SimulatedCluster, from: string): Promise<Map<string, boolean>> {
  const members = JSON.parse(await cluster.consulGet(from, '/v1/agent/members')) as Array<{ Name: string; Status: number }>;
  return new Map(members.map((m) => [m.Name, m.Status === 1]));
}

/**
 * How many Consul servers the raft cluster can lose and keep a quorum, per autopilot. A
 * server back from a partition rejoins as a non-voter and is promoted only after autopilot's
 * stabilization time, so a cluster whose members are all alive may still tolerate no loss.
 */
export async function consulFailureTolerance(cluster: SimulatedCluster, from: string): Promise<number> {
  const health = JSON.parse(await cluster.consulGet(from, '/v1/operator/autopilot/health')) as { Healthy: boolean; FailureTolerance: number };
  return health.Healthy ? health.FailureTolerance : 0;
}

/** Every service instance in the catalog (the consul service itself left out). */
export async function registrations(cluster: SimulatedCluster, from: string): Promise<Registration[]> {
  const services = Object.keys(JSON.parse(await cluster.consulGet(from, '/v1/catalog/services')) as Record<string, string[]>).filter((s) => s !== 'consul');
  const all: Registration[] = [];
  for (const service of services) {
    const entries = JSON.parse(await cluster.consulGet(from, `/v1/catalog/service/${service}`)) as Array<{ Node: string; ServiceID: string; ServiceName: string; ServiceAddress: string; Address: string; ServicePort: number }>;
    for (const e of entries) all.push({ node: e.Node, serviceId: e.ServiceID, service: e.ServiceName, address: e.ServiceAddress || e.Address, port: e.ServicePort });
  }
  return all;
}

/** Instance ids whose checks all pass, as `from` sees them. */
export async function passingInstances(cluster: SimulatedCluster, from: string): Promise<Set<string>> {
  const checks = JSON.parse(await cluster.consulGet(from, '/v1/health/state/any')) as Array<{ Node: string; ServiceID: string; Status: string }>;
  const failing = new Set(checks.filter((c) => c.Status !== 'passing').map((c) => c.ServiceID));
  const failingNodes = new Set(checks.filter((c) => c.ServiceID === '' && c.Status !== 'passing').map((c) => c.Node));
  return new Set(checks.filter((c) => c.ServiceID !== '' && !failing.has(c.ServiceID) && !failingNodes.has(c.Node)).map((c) => c.ServiceID));
}

/** The proxies connected to the replica on `node` (its admin API is on the node's address). */
export async function replicaProxies(cluster: SimulatedCluster, node: string): Promise<ProxyInfo[]> {
  const address = cluster.nodes.find((n) => n.name === node)?.address;
  if (!address) throw new Error(`no node ${node}`);
  const response = await fetch(`http://${address}:${PORTS.controlPlaneAdmin}/info`, { signal: AbortSignal.timeout(3000) });
  if (!response.ok) throw new Error(`control plane on ${node}: HTTP ${response.status}`);
  return ((await response.json()) as { proxies: ProxyInfo[] }).proxies;
}

/** Proxy node id → the replica's node it is connected to, over every reachable replica. */
export async function proxyReplicas(cluster: SimulatedCluster, replicas: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (const node of replicas) {
    const proxies = await replicaProxies(cluster, node).catch(() => []);
    for (const p of proxies) result.set(p.nodeId, node);
  }
  return result;
}

export interface EnvoyHost {
  cluster: string;
  address: string;
  port: number;
  healthy: boolean;
  requests: number;
}

/** The endpoints an Envoy holds (its EDS), read from its admin API inside its node. */
export async function envoyHosts(cluster: SimulatedCluster, node: string, adminPort: number): Promise<EnvoyHost[]> {
  const namespace = cluster.nodes.find((n) => n.name === node)?.namespace;
  if (!namespace) throw new Error(`no node ${node}`);
  const body = JSON.parse(await namespaceGet(namespace, `http://127.0.0.1:${adminPort}/clusters?format=json`)) as {
    cluster_statuses?: Array<{
      name: string;
      host_statuses?: Array<{
        address: { socket_address: { address: string; port_value: number } };
        health_status?: { eds_health_status?: string; failed_outlier_check?: boolean; failed_active_health_check?: boolean };
        stats?: Array<{ name: string; value?: string }>;
      }>;
    }>;
  };
  const hosts: EnvoyHost[] = [];
  for (const c of body.cluster_statuses ?? []) {
    for (const h of c.host_statuses ?? []) {
      const status = h.health_status ?? {};
      hosts.push({
        cluster: c.name,
        address: h.address.socket_address.address,
        port: h.address.socket_address.port_value,
        healthy: (status.eds_health_status ?? 'HEALTHY') === 'HEALTHY' && !status.failed_outlier_check && !status.failed_active_health_check,
        requests: Number(h.stats?.find((s) => s.name === 'rq_total')?.value ?? 0),
      });
    }
  }
  return hosts;
}
