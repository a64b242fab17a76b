import type { Arch, Duration, MeshDefinition, Protocol, ServiceDefinition } from '../dsl/mesh-definition';
import { DEFAULT_OUTBOUND } from '../xds/defaults';
import { ENVOY_METRICS_PORT_OFFSET, GATEWAY_NAME, PORTS } from './deploy-conventions';
import { GenerateError } from './generate-error';
import { byName, sortedEntries, sortedRecord } from './generated-file';

/**
 * The definition expanded into what runs where: one entry per node and per service
 * instance, ports resolved, defaults applied, everything sorted by name. Every generator
 * reads this, so they all agree on instance ids, ports and the control node.
 */
export interface NodeLayout {
  name: string;
  address: string;
  arch: Arch;
  labels: Readonly<Record<string, string>>;
  /** Runs Temporal, Jaeger, Prometheus and Grafana (and the gateway, when there is one). */
  control: boolean;
  /** Holds one of the Consul servers (`consul.servers`); the other nodes run client agents. */
  consulServer: boolean;
  /** Runs a control-plane replica (`controlPlane.nodes`). */
  controlPlane: boolean;
}

export type HealthLayout = { kind: 'http'; path: string } | { kind: 'tcp' };

export interface InstanceLayout {
  /** Unique in the mesh: `<name>-<node>`; Consul service id and Envoy node.id. */
  id: string;
  /** Unique on its node: the service, plus `-<version>` for an extra version, plus `-<n>` for replicas. */
  name: string;
  service: string;
  version: string;
  /** Where it is declared: `services.<name>` or `services.<name>.versions.<version>`. */
  field: string;
  node: NodeLayout;
  port: number;
  protocol: Protocol;
  sidecarPort: number;
  adminPort: number;
  metricsPort: number;
  outboundPort: number;
  command: string | undefined;
  image: string | undefined;
  env: Readonly<Record<string, string>>;
  tags: readonly string[];
  meta: Readonly<Record<string, string>>;
  health: HealthLayout;
  healthInterval: Duration;
  healthTimeout: Duration;
  deregisterAfter: Duration;
  /** In declaration order (error messages name them by index). */
  upstreams: ReadonlyArray<{ service: string; localBindPort: number | undefined }>;
}

export interface GatewayLayout {
  /** node.cluster of the gateway Envoy. */
  name: string;
  id: string;
  node: NodeLayout;
  port: number;
  adminPort: number;
  metricsPort: number;
}

export interface MeshLayout {
  name: string;
  nodes: readonly NodeLayout[];
  controlNode: NodeLayout;
  /** The Consul servers' nodes, by name; their count is the raft cluster's bootstrap_expect. */
  consulServers: readonly NodeLayout[];
  /** The nodes with a control-plane replica, by name; every bootstrap lists all of them. */
  controlPlanes: readonly NodeLayout[];
  /** Sorted by node, then by instance name. */
  instances: readonly InstanceLayout[];
  gateway: GatewayLayout | undefined;
}

export const HEALTH_DEFAULTS = { path: '/health', interval: '10s', timeout: '2s', deregisterAfter: '1m' } as const;
export const DEFAULT_VERSION = 'v1';
const DEFAULT_GATEWAY = { port: 8080, adminPort: 19000 } as const;

export function meshLayout(mesh: MeshDefinition): MeshLayout {
  const controlName = mesh.gateway?.node ?? Object.keys(mesh.nodes).sort(byName)[0];
  if (controlName === undefined) throw new GenerateError('nodes', 'no node is declared', 'Declare at least one node.');
  const names = sortedEntries(mesh.nodes).map(([name]) => name);
  const servers = new Set(mesh.consul?.servers ?? defaultConsulServers(controlName, names));
  const replicas = new Set(mesh.controlPlane?.nodes ?? names);
  const nodes = sortedEntries(mesh.nodes).map(
    ([name, node]): NodeLayout => ({
      name,
      address: node.address,
      arch: node.arch,
      labels: sortedRecord(node.labels),
      control: name === controlName,
      consulServer: servers.has(name),
      controlPlane: replicas.has(name),
    }),
  );
  for (const [field, list] of [['consul.servers', [...servers]], ['controlPlane.nodes', [...replicas]]] as const) {
    list.forEach((name, n) => nodeOfName(name, `${field}[${n}]`, names));
  }
  if (nodes.length > 1) checkRoutable(nodes);
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const nodeOf = (name: string, field: string): NodeLayout => {
    const node = nodeByName.get(name);
    if (!node) throw new GenerateError(field, `node "${name}" is not declared`, `Declare it under nodes or use one of: ${[...nodeByName.keys()].join(', ')}.`);
    return node;
  };

  const instances: InstanceLayout[] = [];
  for (const [service, definition] of sortedEntries(mesh.services)) {
    instances.push(...serviceInstances(service, definition, nodeOf));
  }
  instances.sort((a, b) => byName(a.node.name, b.node.name) || byName(a.name, b.name));

  const gateway: GatewayLayout | undefined = mesh.gateway && {
    name: GATEWAY_NAME,
    id: `${GATEWAY_NAME}-${mesh.gateway.node}`,
    node: nodeOf(mesh.gateway.node, 'gateway.node'),
    port: mesh.gateway.port ?? DEFAULT_GATEWAY.port,
    adminPort: mesh.gateway.adminPort ?? DEFAULT_GATEWAY.adminPort,
    metricsPort: (mesh.gateway.adminPort ?? DEFAULT_GATEWAY.adminPort) + ENVOY_METRICS_PORT_OFFSET,
  };

  const layout: MeshLayout = {
    name: mesh.name,
    nodes,
    controlNode: nodeOf(controlName, 'gateway.node'),
    consulServers: nodes.filter((n) => n.consulServer),
    controlPlanes: nodes.filter((n) => n.controlPlane),
    instances,
    gateway,
  };
  checkPorts(layout);
  return layout;
}

type NodeOf = (name: string, field: string) => NodeLayout;

function nodeOfName(name: string, field: string, names: readonly string[]): void {
  if (!names.includes(name)) throw new GenerateError(field, `node "${name}" is not declared`, `Declare it under nodes or use one of: ${names.join(', ')}.`);
}

/**
 * Three servers when there are three nodes (a raft cluster that survives losing one), the
 * control node first; one server, on the control node, for smaller meshes (two servers
 * would survive nothing).
 */
export function defaultConsulServers(controlName: string, names: readonly string[]): string[] {
  if (names.length < 3) return [controlName];
  return [controlName, ...names.filter((n) => n !== controlName).slice(0, 2)];
}

const LOOPBACK = /^(127\.|::1$|localhost$)/;

/**
 * Other nodes reach a node at its address (Consul gossip, xDS, Temporal, the collector), so in a
 * mesh of several nodes a loopback address would send each node to itself.
 */
function checkRoutable(nodes: readonly NodeLayout[]): void {
  const loopback = nodes.filter((n) => LOOPBACK.test(n.address));
  if (loopback.length === 0) return;
  const [first] = loopback;
  throw new GenerateError(
    `nodes.${first!.name}.address`,
    `${loopback.map((n) => `${n.name} has the loopback address ${n.address}`).join('; ')}, which the other nodes cannot reach`,
    "Give each node the address the other nodes reach it at (its LAN address, e.g. 192.168.50.10).",
  );
}

function serviceInstances(service: string, definition: ServiceDefinition<string, string>, nodeOf: NodeOf): InstanceLayout[] {
  const at = `services.${service}`;
  const baseVersion = definition.meta?.version ?? DEFAULT_VERSION;
  const variants = [
    { version: baseVersion, suffix: '', field: at, nodes: definition.nodes, replicas: definition.replicas, extra: undefined },
    ...sortedEntries(definition.versions).map(([version, extra]) => ({
      version,
      suffix: `-${version}`,
      field: `${at}.versions.${version}`,
      nodes: extra.nodes ?? definition.nodes,
      replicas: extra.replicas ?? definition.replicas,
      extra,
    })),
  ];
  const health = definition.health;
  const result: InstanceLayout[] = [];
  for (const variant of variants) {
    const replicas = variant.replicas ?? 1;
    for (const nodeName of [...variant.nodes].sort(byName)) {
      const node = nodeOf(nodeName, `${variant.field}.nodes`);
      for (let replica = 1; replica <= replicas; replica++) {
        const name = `${service}${variant.suffix}${replicas > 1 ? `-${replica}` : ''}`;
        result.push({
          id: `${name}-${node.name}`,
          name,
          service,
          version: variant.version,
          field: variant.field,
          node,
          port: definition.port,
          protocol: definition.protocol ?? 'http',
          sidecarPort: definition.sidecar.port,
          adminPort: definition.sidecar.adminPort,
          metricsPort: definition.sidecar.adminPort + ENVOY_METRICS_PORT_OFFSET,
          outboundPort: definition.sidecar.outboundPort ?? DEFAULT_OUTBOUND.port,
          command: variant.extra?.command ?? definition.command,
          image: variant.extra?.image ?? definition.image,
          env: sortedRecord({ ...definition.env, ...variant.extra?.env }),
          tags: [...new Set([...(definition.tags ?? []), ...(variant.extra?.tags ?? [])])].sort(byName),
          meta: sortedRecord({ ...definition.meta, ...variant.extra?.meta, version: variant.version }),
          health: health?.tcp ? { kind: 'tcp' } : { kind: 'http', path: health?.http ?? HEALTH_DEFAULTS.path },
          healthInterval: health?.interval ?? HEALTH_DEFAULTS.interval,
          healthTimeout: health?.timeout ?? HEALTH_DEFAULTS.timeout,
          deregisterAfter: health?.deregisterAfter ?? HEALTH_DEFAULTS.deregisterAfter,
          upstreams: (definition.upstreams ?? [])
            .map((u) => (typeof u === 'string' ? { service: u, localBindPort: undefined } : { service: u.service, localBindPort: u.localBindPort })),
        });
      }
    }
  }
  return result;
}

/**
 * Services with more than one instance (several nodes, replicas or versions): their
 * instances must share one store, PostgreSQL on the control node, or they would disagree.
 */
export function sharedStoreServices(layout: Pick<MeshLayout, 'instances'>): ReadonlySet<string> {
  const counts = new Map<string, number>();
  for (const i of layout.instances) counts.set(i.service, (counts.get(i.service) ?? 0) + 1);
  return new Set([...counts].filter(([, n]) => n > 1).map(([service]) => service));
}

interface PortClaim {
  port: number;
  owner: string;
  field: string;
}

/**
 * Sidecars, apps and the infrastructure of one node share its network (host networking
 * under both systemd and compose), so every port on a node must be claimed once.
 */
function checkPorts(layout: MeshLayout): void {
  const problems: string[] = [];
  for (const node of layout.nodes) {
    const claims: PortClaim[] = nodePorts(layout, node);
    const seen = new Map<number, PortClaim>();
    for (const claim of claims) {
      const first = seen.get(claim.port);
      if (first) problems.push(`node ${node.name}: port ${claim.port} is taken twice, by ${first.owner} (${first.field}) and ${claim.owner} (${claim.field})`);
      else seen.set(claim.port, claim);
    }
  }
  if (problems.length) {
    throw new GenerateError(
      'ports',
      problems.join('; '),
      'Every port on a node must be unique: give each service on a node its own ports, or place replicas and versions on different nodes.',
    );
  }
}

function nodePorts(layout: MeshLayout, node: NodeLayout): PortClaim[] {
  const claims: PortClaim[] = [];
  const infra = (name: keyof typeof PORTS, owner: string) => claims.push({ port: PORTS[name], owner, field: `fixed ${name} port` });
  for (const name of ['consulServer', 'consulSerfLan', 'consulHttp', 'consulGrpc', 'consulDns'] as const) infra(name, 'consul');
  if (node.controlPlane) {
    infra('xds', 'control plane');
    infra('controlPlaneAdmin', 'control plane');
  }
  if (node.consulServer) infra('consulSerfWan', 'consul');
  if (node.control) {
    for (const name of ['temporal', 'temporalUi'] as const) infra(name, 'temporal');
    for (const name of ['jaegerUi', 'otlpGrpc', 'otlpHttp'] as const) infra(name, 'jaeger');
    infra('prometheus', 'prometheus');
    infra('grafana', 'grafana');
    if (sharedStoreServices(layout).size > 0) infra('postgres', 'postgres');
  }
  for (const i of layout.instances.filter((x) => x.node === node)) {
    const at = `services.${i.service}`;
    claims.push(
      { port: i.port, owner: `${i.id} app`, field: `${at}.port` },
      { port: i.sidecarPort, owner: `${i.id} sidecar`, field: `${at}.sidecar.port` },
      { port: i.adminPort, owner: `${i.id} Envoy admin`, field: `${at}.sidecar.adminPort` },
      { port: i.metricsPort, owner: `${i.id} Envoy metrics`, field: `${at}.sidecar.adminPort + ${ENVOY_METRICS_PORT_OFFSET}` },
      { port: i.outboundPort, owner: `${i.id} outbound`, field: `${at}.sidecar.outboundPort` },
    );
    i.upstreams.forEach((u, n) => {
      if (u.localBindPort !== undefined) claims.push({ port: u.localBindPort, owner: `${i.id} upstream ${u.service}`, field: `${at}.upstreams[${n}].localBindPort` });
    });
  }
  const gateway = layout.gateway;
  if (gateway?.node === node) {
    claims.push(
      { port: gateway.port, owner: 'gateway', field: 'gateway.port' },
      { port: gateway.adminPort, owner: 'gateway Envoy admin', field: 'gateway.adminPort' },
      { port: gateway.metricsPort, owner: 'gateway Envoy metrics', field: `gateway.adminPort + ${ENVOY_METRICS_PORT_OFFSET}` },
    );
  }
  return claims;
}
