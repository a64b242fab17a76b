import type { CatalogSnapshot } from '../../consul/catalog-snapshot';
import type { CheckState } from '../../consul/health-state';
import type { MeshDefinition } from '../../dsl/mesh-definition';

export type InstanceHealth = 'passing' | 'warning' | 'critical';

export interface TopologyInstance {
  id: string;
  /** The Consul node it is registered on. */
  consulNode: string;
  /** Known while the instance is served (critical instances are not). */
  address?: string;
  port?: number;
  health: InstanceHealth;
}

export interface TopologyService {
  name: string;
  kind: 'service' | 'worker' | 'gateway';
  /** The DSL nodes the service is placed on; empty when mesh.config.ts does not declare it. */
  dslNodes: string[];
  instances: TopologyInstance[];
  inCatalog: boolean;
}

export interface TopologyGroup {
  /** A DSL node, or '' for services mesh.config.ts does not place. */
  node: string;
  address?: string;
  services: string[];
}

export interface TopologyEdge {
  from: string;
  to: string;
  /** `upstream`: services.<from>.upstreams; `gateway`: a gateway route. */
  declared: 'upstream' | 'gateway';
}

export interface Topology {
  groups: TopologyGroup[];
  services: TopologyService[];
  edges: TopologyEdge[];
}

export interface TopologyInputs {
  catalog: CatalogSnapshot | undefined;
  checks: readonly CheckState[] | undefined;
  definition: MeshDefinition | undefined;
  /** Connected gateway proxies (node ids): the gateway is not in the catalog. */
  gatewayProxies: readonly string[];
}

const RANK: Record<InstanceHealth, number> = { passing: 0, warning: 1, critical: 2 };

function worse(a: InstanceHealth, b: string): InstanceHealth {
  const status: InstanceHealth = b === 'critical' || b === 'maintenance' ? 'critical' : b === 'warning' ? 'warning' : 'passing';
  return RANK[status] > RANK[a] ? status : a;
}

/**
 * The topology view: every catalog service with each instance's health (its own checks and its
 * node's, the worst wins, as Consul's `?passing` filter reads them), grouped by the DSL node
 * that places it, and the edges the DSL declares. Critical instances come from the checks,
 * since the served catalog has already dropped them.
 */
export function buildTopology({ catalog, checks, definition, gatewayProxies }: TopologyInputs): Topology {
  const nodeChecks = new Map<string, InstanceHealth>();
  const instanceChecks = new Map<string, { service: string; node: string; id: string; health: InstanceHealth }>();
  for (const check of checks ?? []) {
    if (check.serviceName === '') {
      nodeChecks.set(check.node, worse(nodeChecks.get(check.node) ?? 'passing', check.status));
      continue;
    }
    const key = `${check.node}\0${check.serviceId}`;
    const seen = instanceChecks.get(key);
    instanceChecks.set(key, { service: check.serviceName, node: check.node, id: check.serviceId, health: worse(seen?.health ?? 'passing', check.status) });
  }

  const instances = new Map<string, Map<string, TopologyInstance>>();
  const add = (service: string, instance: TopologyInstance) => {
    let of = instances.get(service);
    if (!of) instances.set(service, (of = new Map()));
    of.set(`${instance.consulNode}\0${instance.id}`, instance);
  };
  for (const [service, served] of catalog?.services ?? []) {
    if (!instances.has(service)) instances.set(service, new Map());
    for (const i of served) add(service, { id: i.id, consulNode: i.node, address: i.address, port: i.port, health: i.health });
  }
  for (const [key, check] of instanceChecks) {
    const health = worse(check.health, nodeChecks.get(check.node) ?? 'passing');
    const known = instances.get(check.service)?.get(key);
    if (known) known.health = worse(known.health, health);
    else add(check.service, { id: check.id, consulNode: check.node, health });
  }
  instances.delete('consul');

  const declared = definition?.services ?? {};
  const services: TopologyService[] = [];
  const names = new Set([...Object.keys(declared), ...instances.keys()]);
  for (const name of [...names].sort()) {
    const spec = declared[name];
    services.push({
      name,
      kind: spec?.env?.TEMPORAL_TASK_QUEUE ? 'worker' : 'service',
      dslNodes: spec ? [...spec.nodes] : [],
      instances: [...(instances.get(name)?.values() ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      inCatalog: instances.has(name),
    });
  }
  const edges: TopologyEdge[] = [];
  for (const [name, spec] of Object.entries(declared)) {
    for (const upstream of spec.upstreams ?? []) edges.push({ from: name, to: typeof upstream === 'string' ? upstream : upstream.service, declared: 'upstream' });
  }
  const gateway = definition?.gateway;
  if (gateway) {
    services.push({
      name: 'gateway',
      kind: 'gateway',
      dslNodes: [gateway.node],
      instances: gatewayProxies.map((id) => ({ id, consulNode: '', health: 'passing' as const })),
      inCatalog: false,
    });
    for (const to of new Set(gateway.routes.map((r) => r.service))) edges.push({ from: 'gateway', to, declared: 'gateway' });
  }

  const groups: TopologyGroup[] = Object.entries(definition?.nodes ?? {}).map(([node, spec]) => ({ node, address: spec.address, services: [] }));
  const unplaced: TopologyGroup = { node: '', services: [] };
  for (const service of services) {
    const group = groups.find((g) => g.node === service.dslNodes[0]) ?? unplaced;
    group.services.push(service.name);
  }
  if (unplaced.services.length) groups.push(unplaced);
  return { groups: groups.filter((g) => g.services.length), services, edges };
}
