import { aggregateHealth } from './instance-health';
import { JsonShape } from './json-shape';
import {
  type ConnectProxyRegistration,
  type ConnectUpstream,
  type ExposePath,
  GATEWAY_KINDS,
  type GatewayKind,
  type GatewayProxyRegistration,
  type ServiceInstance,
} from './service-instance';
import { optionalInteger } from './entry-fields';
import { parseRegisteredUpstreamConfig } from './upstream-config';

/**
 * Reads a `/v1/health/service/:name` answer into the instances to serve, sorted by node and id
 * so that the content hash does not depend on Consul's order.
 *
 * Health policy (README, "Health"), the same as Consul's own xDS server: an instance with any critical
 * check (node checks included) is removed; an instance whose worst check is warning is kept,
 * marked 'warning', and carries its Weights.Warning so the translator can give it less traffic
 * (Weights.Warning = 0 drains it). This is why the query does not use `?passing`, which would
 * drop warning instances too and turn a degraded dependency into a hard outage.
 *
 * A Connect proxy (`Kind: connect-proxy`) is kept even when critical (README, "Coming from
 * Consul Connect"): its destination must not be reached around a sidecar that is down. So is a
 * gateway: its own Envoy is served from the registration, whatever its check says.
 */
export function parseHealthEntries(body: unknown, path: string, service: string): readonly ServiceInstance[] {
  const shape = new JsonShape(path);
  const instances: ServiceInstance[] = [];
  shape.array(body, '').forEach((raw, i) => {
    const at = `[${i}]`;
    const entry = shape.object(raw, at);
    const node = shape.object(entry.Node, `${at}.Node`);
    const svc = shape.object(entry.Service, `${at}.Service`);
    const checks = shape.array(entry.Checks ?? [], `${at}.Checks`);
    const statuses = checks.map((check, c) => shape.string(shape.object(check, `${at}.Checks[${c}]`).Status, `${at}.Checks[${c}].Status`));
    const health = aggregateHealth(statuses);
    const kind = shape.optionalString(svc.Kind, `${at}.Service.Kind`);
    const connectProxy = kind === 'connect-proxy' ? parseProxy(shape, svc.Proxy, `${at}.Service.Proxy`) : undefined;
    const gateway = (GATEWAY_KINDS as readonly string[]).includes(kind) ? parseGateway(shape, kind as GatewayKind, svc.Proxy, `${at}.Service.Proxy`) : undefined;
    if (health === 'critical' && !connectProxy && !gateway) return;
    const weights = svc.Weights === undefined || svc.Weights === null ? undefined : shape.object(svc.Weights, `${at}.Service.Weights`);
    const serviceAddress = shape.optionalString(svc.Address, `${at}.Service.Address`);
    instances.push(
      Object.freeze({
        id: shape.string(svc.ID, `${at}.Service.ID`),
        service,
        node: shape.string(node.Node, `${at}.Node.Node`),
        address: serviceAddress !== '' ? serviceAddress : shape.string(node.Address, `${at}.Node.Address`),
        port: shape.integer(svc.Port, `${at}.Service.Port`),
        tags: Object.freeze([...shape.stringList(svc.Tags, `${at}.Service.Tags`)]),
        meta: Object.freeze(shape.stringMap(svc.Meta, `${at}.Service.Meta`)),
        health,
        weights: Object.freeze({
          passing: weights?.Passing === undefined ? 1 : shape.integer(weights.Passing, `${at}.Service.Weights.Passing`),
          warning: weights?.Warning === undefined ? 1 : shape.integer(weights.Warning, `${at}.Service.Weights.Warning`),
        }),
        ...(connectProxy ? { connectProxy } : {}),
        ...(gateway ? { gateway } : {}),
      }),
    );
  });
  instances.sort((a, b) => compare(a.node, b.node) || compare(a.id, b.id));
  return Object.freeze(instances);
}

function optionalPort(shape: JsonShape, value: unknown, at: string): number | undefined {
  if (value === undefined || value === null || value === 0) return undefined;
  return shape.integer(value, at);
}

/** The keys of an opaque `Config` map outside `served`, each named with its path, for `ignored`. */
function configKeys(value: unknown, path: string, served: readonly string[]): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((key) => !served.includes(key))
    .map((key) => `${path}.${key}: not served`);
}

/** A gateway's registration: Consul copies the protocol into `Proxy.Config`; anything else there is not served. */
function parseGateway(shape: JsonShape, kind: GatewayKind, value: unknown, at: string): GatewayProxyRegistration {
  const proxy = value === undefined || value === null ? {} : shape.object(value, at);
  return { kind, ignored: configKeys(proxy.Config, 'Proxy.Config', ['protocol']) };
}

/** Namespaces, partitions, peers and mesh gateways: set to anything but the defaults, they are not served. */
function placementIgnored(object: Record<string, unknown>, path: string): string[] {
  const ignored: string[] = [];
  const why = { DestinationNamespace: 'only the default namespace is served', DestinationPartition: 'only the default partition is served', DestinationPeer: 'peered clusters are not served' };
  for (const [field, reason] of Object.entries(why)) {
    const value = object[field];
    if (typeof value === 'string' && value !== '' && value !== 'default') ignored.push(`${path}.${field} "${value}": ${reason}`);
  }
  const gateway = object.MeshGateway as { Mode?: unknown } | null | undefined;
  if (typeof gateway?.Mode === 'string' && gateway.Mode !== '') ignored.push(`${path}.MeshGateway.Mode "${gateway.Mode}": mesh gateways are not served`);
  return ignored;
}

function parseProxy(shape: JsonShape, value: unknown, at: string): ConnectProxyRegistration {
  const proxy = shape.object(value, at);
  const ignored = [...configKeys(proxy.Config, 'Proxy.Config', ['protocol', 'local_connect_timeout_ms', 'local_request_timeout_ms']), ...placementIgnored(proxy, 'Proxy')];
  const config = proxy.Config !== null && typeof proxy.Config === 'object' ? (proxy.Config as Record<string, unknown>) : {};
  const protocol = typeof config.protocol === 'string' && config.protocol !== '' ? config.protocol : undefined;
  const localConnect = optionalInteger(shape, config.local_connect_timeout_ms, `${at}.Config.local_connect_timeout_ms`) || undefined;
  const localRequest = optionalInteger(shape, config.local_request_timeout_ms, `${at}.Config.local_request_timeout_ms`) || undefined;
  const upstreams: ConnectUpstream[] = shape.array(proxy.Upstreams ?? [], `${at}.Upstreams`).map((raw, i) => {
    const u = shape.object(raw, `${at}.Upstreams[${i}]`);
    const registered = parseRegisteredUpstreamConfig(shape, u.Config, `${at}.Upstreams[${i}].Config`, `Proxy.Upstreams[${i}].Config`, ignored);
    ignored.push(...placementIgnored(u, `Proxy.Upstreams[${i}]`));
    const type = shape.optionalString(u.DestinationType, `${at}.Upstreams[${i}].DestinationType`);
    return Object.freeze({
      ...(registered.settings ? { settings: registered.settings } : {}),
      ...(registered.protocol ? { protocol: registered.protocol } : {}),
      destinationType: type === 'prepared_query' ? 'prepared_query' : 'service',
      destinationName: shape.string(u.DestinationName, `${at}.Upstreams[${i}].DestinationName`),
      datacenter: shape.optionalString(u.Datacenter, `${at}.Upstreams[${i}].Datacenter`),
      localBindAddress: shape.optionalString(u.LocalBindAddress, `${at}.Upstreams[${i}].LocalBindAddress`) || '127.0.0.1',
      localBindPort: optionalPort(shape, u.LocalBindPort, `${at}.Upstreams[${i}].LocalBindPort`),
    });
  });
  const expose = proxy.Expose === undefined || proxy.Expose === null ? {} : shape.object(proxy.Expose, `${at}.Expose`);
  if (expose.Checks === true) ignored.push('Proxy.Expose.Checks: the checks are not exposed; list their paths in Proxy.Expose.Paths');
  const exposePaths: ExposePath[] = shape.array(expose.Paths ?? [], `${at}.Expose.Paths`).map((raw, i) => {
    const p = shape.object(raw, `${at}.Expose.Paths[${i}]`);
    return Object.freeze({
      path: shape.string(p.Path, `${at}.Expose.Paths[${i}].Path`),
      localPathPort: shape.integer(p.LocalPathPort, `${at}.Expose.Paths[${i}].LocalPathPort`),
      listenerPort: shape.integer(p.ListenerPort, `${at}.Expose.Paths[${i}].ListenerPort`),
      protocol: shape.optionalString(p.Protocol, `${at}.Expose.Paths[${i}].Protocol`) === 'http2' ? 'http2' : 'http',
    });
  });
  const destinationServiceId = shape.optionalString(proxy.DestinationServiceID, `${at}.DestinationServiceID`);
  const localServiceAddress = shape.optionalString(proxy.LocalServiceAddress, `${at}.LocalServiceAddress`);
  return Object.freeze({
    destinationService: shape.string(proxy.DestinationServiceName, `${at}.DestinationServiceName`),
    destinationServiceId: destinationServiceId === '' ? undefined : destinationServiceId,
    localServiceAddress: localServiceAddress === '' ? undefined : localServiceAddress,
    localServicePort: optionalPort(shape, proxy.LocalServicePort, `${at}.LocalServicePort`),
    mode: shape.optionalString(proxy.Mode, `${at}.Mode`),
    ...(protocol ? { protocol } : {}),
    ...(localConnect !== undefined || localRequest !== undefined ? { localTimeouts: { connectTimeoutMs: localConnect, requestTimeoutMs: localRequest } } : {}),
    upstreams: Object.freeze(upstreams),
    exposePaths: Object.freeze(exposePaths),
    ignored: Object.freeze(ignored),
  });
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
