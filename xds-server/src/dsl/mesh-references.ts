/**
 * Checks between names, after (and independently of) the schema: it reads the raw input
 * defensively, so one run reports reference errors alongside schema errors.
 */
import { didYouMean } from './did-you-mean';
import { formatIssuePath, type IssuePath } from './issue-path';
import { isObject } from './mesh-schema';
import type { MeshValidationIssue } from './validate-mesh';

/** The sidecar's outbound listener; every sidecar on a node may share it (each lives in its app's network). */
const DEFAULT_OUTBOUND_PORT = 15001;
const DEFAULT_GATEWAY_PORT = 8080;

type Raw = Record<string, unknown>;

function entries(value: unknown): [string, unknown][] {
  return isObject(value) ? Object.entries(value) : [];
}

function items(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function quoteList(names: readonly string[]): string {
  return names.map((name) => JSON.stringify(name)).join(', ');
}

interface PortUse {
  port: number;
  path: IssuePath;
  /** Outbound listeners may share a port with each other, never with anything else. */
  shared: boolean;
}

export function checkMeshReferences(input: unknown): MeshValidationIssue[] {
  const issues: MeshValidationIssue[] = [];
  if (!isObject(input)) return issues;
  const report = (path: IssuePath, message: string) => issues.push({ path: formatIssuePath(path), segments: path, message });

  const nodeNames = entries(input.nodes).map(([name]) => name);
  const serviceNames = entries(input.services).map(([name]) => name);
  const knownSets = new Map<readonly string[], ReadonlySet<string>>([
    [nodeNames, new Set(nodeNames)],
    [serviceNames, new Set(serviceNames)],
  ]);
  // By node, then by port: a mesh of hundreds of services checks each port in O(1).
  const portsByNode = new Map<string, Map<number, PortUse[]>>();

  const checkName = (path: IssuePath, value: unknown, kind: 'node' | 'service', known: readonly string[]): boolean => {
    if (typeof value !== 'string') return false;
    if ((knownSets.get(known) ?? new Set(known)).has(value)) return true;
    const hint = didYouMean(value, known);
    const declared = known.length === 0 ? `no ${kind}s are declared` : `declared: ${quoteList(known)}`;
    report(path, `unknown ${kind} ${JSON.stringify(value)}${hint || ` (${declared})`}`);
    return false;
  };

  const usePort = (node: string, path: IssuePath, port: unknown, shared = false) => {
    if (typeof port !== 'number') return;
    let byPort = portsByNode.get(node);
    if (byPort === undefined) portsByNode.set(node, (byPort = new Map()));
    const uses = byPort.get(port) ?? [];
    const clash = uses.find((use) => !(use.shared && shared));
    if (clash !== undefined) {
      report(path, `port ${port} on node ${JSON.stringify(node)} is already used by ${formatIssuePath(clash.path)}`);
    }
    uses.push({ port, path, shared });
    byPort.set(port, uses);
  };

  for (const [name, service] of entries(input.services)) {
    if (!isObject(service)) continue;
    const base: IssuePath = ['services', name];

    const placedOn = new Set<string>();
    items(service.nodes).forEach((node, i) => {
      if (checkName([...base, 'nodes', i], node, 'node', nodeNames)) placedOn.add(node as string);
    });
    for (const [version, definition] of entries(service.versions)) {
      if (!isObject(definition)) continue;
      items(definition.nodes).forEach((node, i) => {
        if (checkName([...base, 'versions', version, 'nodes', i], node, 'node', nodeNames)) placedOn.add(node as string);
      });
    }

    const listed = new Map<string, number>();
    items(service.upstreams).forEach((upstream, i) => {
      const isShort = typeof upstream === 'string';
      const target = isShort ? upstream : isObject(upstream) ? upstream.service : undefined;
      const path: IssuePath = isShort ? [...base, 'upstreams', i] : [...base, 'upstreams', i, 'service'];
      if (typeof target !== 'string') return;
      if (target === name) {
        report(path, `a service cannot be its own upstream: ${JSON.stringify(name)} reaches itself without a sidecar hop`);
        return;
      }
      if (!checkName(path, target, 'service', serviceNames)) return;
      const earlier = listed.get(target);
      if (earlier !== undefined) report(path, `${JSON.stringify(target)} is already listed at upstreams[${earlier}]`);
      else listed.set(target, i);
    });

    const sidecar = isObject(service.sidecar) ? service.sidecar : {};
    for (const node of placedOn) {
      usePort(node, [...base, 'port'], service.port);
      usePort(node, [...base, 'sidecar', 'port'], sidecar.port);
      usePort(node, [...base, 'sidecar', 'adminPort'], sidecar.adminPort);
      usePort(node, [...base, 'sidecar', 'outboundPort'], sidecar.outboundPort ?? DEFAULT_OUTBOUND_PORT, true);
      items(service.upstreams).forEach((upstream, i) => {
        if (isObject(upstream)) usePort(node, [...base, 'upstreams', i, 'localBindPort'], upstream.localBindPort);
      });
    }

    if (isObject(service.traffic)) checkTraffic(service.traffic, [...base, 'traffic'], serviceNames, report, checkName);
  }

  if (isObject(input.gateway)) {
    const gateway = input.gateway;
    if (checkName(['gateway', 'node'], gateway.node, 'node', nodeNames)) {
      const node = gateway.node as string;
      usePort(node, ['gateway', 'port'], gateway.port ?? DEFAULT_GATEWAY_PORT);
      usePort(node, ['gateway', 'adminPort'], gateway.adminPort);
    }
    const prefixes: GatewayMatch[] = [];
    items(gateway.routes).forEach((route, i) => {
      if (!isObject(route)) return;
      checkName(['gateway', 'routes', i, 'service'], route.service, 'service', serviceNames);
      if (typeof route.prefix !== 'string') return;
      const prefix = route.prefix;
      const methods = Array.isArray(route.methods) ? route.methods.filter((m): m is string => typeof m === 'string') : [];
      const shadow = prefixes.find((earlier) => gatewayMatchCovers(earlier, { prefix, methods, index: i }));
      if (shadow !== undefined) {
        report(
          ['gateway', 'routes', i, 'prefix'],
          shadow.prefix === prefix
            ? `${JSON.stringify(prefix)} is already routed by gateway.routes[${shadow.index}]`
            : `${JSON.stringify(prefix)} is never reached: gateway.routes[${shadow.index}] (${JSON.stringify(shadow.prefix)}) ` +
                'matches it first; list longer prefixes first',
        );
      }
      prefixes.push({ prefix, methods, index: i });
    });
  }

  checkPlacements(input, nodeNames, report, checkName);
  return issues;
}

/** Raft needs a majority: an even count tolerates no more losses than the odd count below it. */
const CONSUL_SERVER_COUNTS = [1, 3, 5];

/** Node lists of `consul.servers` and `controlPlane.nodes`: known, unique, and enough of them to survive a node loss. */
function checkPlacements(
  input: Raw,
  nodeNames: readonly string[],
  report: (path: IssuePath, message: string) => void,
  checkName: (path: IssuePath, value: unknown, kind: 'node' | 'service', known: readonly string[]) => boolean,
): void {
  const placed = (path: IssuePath, list: unknown): string[] | undefined => {
    if (!Array.isArray(list)) return undefined;
    const seen = new Map<string, number>();
    list.forEach((node, i) => {
      if (!checkName([...path, i], node, 'node', nodeNames)) return;
      const earlier = seen.get(node as string);
      if (earlier !== undefined) report([...path, i], `node ${JSON.stringify(node)} is already listed at [${earlier}]; list each node once`);
      else seen.set(node as string, i);
    });
    return [...seen.keys()];
  };
  if (isObject(input.consul)) {
    const servers = placed(['consul', 'servers'], input.consul.servers);
    if (servers && servers.length > 0 && !CONSUL_SERVER_COUNTS.includes(servers.length)) {
      report(
        ['consul', 'servers'],
        `${servers.length} Consul servers: raft needs a majority, so use 1, 3 or 5 servers (3 survive the loss of one node)` +
          (servers.length === 2 ? '; two servers stop electing a leader as soon as either is lost' : ''),
      );
    }
  }
  if (isObject(input.controlPlane)) {
    const replicas = placed(['controlPlane', 'nodes'], input.controlPlane.nodes);
    if (replicas && replicas.length === 1 && nodeNames.length > 1) {
      report(
        ['controlPlane', 'nodes'],
        `one control-plane replica cannot survive the loss of its node; list at least two nodes (declared: ${quoteList(nodeNames)}), or leave the field out for one on every node`,
      );
    }
  }
}

interface GatewayMatch {
  prefix: string;
  /** Empty: every method. */
  methods: readonly string[];
  index: number;
}

/** Whether every request `later` matches is taken by `earlier` first (segment prefixes: see GatewayRoute). */
function gatewayMatchCovers(earlier: GatewayMatch, later: GatewayMatch): boolean {
  const path = earlier.prefix.endsWith('/')
    ? later.prefix.startsWith(earlier.prefix)
    : later.prefix === earlier.prefix || later.prefix.startsWith(`${earlier.prefix}/`);
  const methods = earlier.methods.length === 0 || (later.methods.length > 0 && later.methods.every((m) => earlier.methods.includes(m)));
  return path && methods;
}

function checkTraffic(
  traffic: Raw,
  base: IssuePath,
  serviceNames: readonly string[],
  report: (path: IssuePath, message: string) => void,
  checkName: (path: IssuePath, value: unknown, kind: 'node' | 'service', known: readonly string[]) => boolean,
): void {
  const subsets = entries(traffic.subsets).map(([subset]) => subset);
  const checkSplit = (split: unknown, path: IssuePath) => {
    const seen = new Map<string, number>();
    items(split).forEach((target, i) => {
      if (!isObject(target) || typeof target.subset !== 'string') return;
      const subset = target.subset;
      const at: IssuePath = [...path, i, 'subset'];
      if (!subsets.includes(subset)) {
        const hint =
          didYouMean(subset, subsets) ||
          (subsets.length === 0
            ? ` (declare it under ${formatIssuePath([...base, 'subsets'])})`
            : ` (declared: ${quoteList(subsets)})`);
        report(at, `unknown subset ${JSON.stringify(subset)}${hint}`);
        return;
      }
      const earlier = seen.get(subset);
      if (earlier !== undefined) report(at, `subset ${JSON.stringify(subset)} is already in this split at [${earlier}]`);
      else seen.set(subset, i);
    });
  };
  checkSplit(traffic.split, [...base, 'split']);
  items(traffic.routes).forEach((route, i) => {
    if (isObject(route)) checkSplit(route.split, [...base, 'routes', i, 'split']);
  });
  items(traffic.allowedCallers).forEach((caller, i) => {
    checkName([...base, 'allowedCallers', i], caller, 'service', serviceNames);
  });
}
