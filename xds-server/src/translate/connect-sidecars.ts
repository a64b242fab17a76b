import { isIP } from 'node:net';
import type { ServiceInstance } from '../consul/service-instance';
import type { ConnectSidecar, ExposeListener, ServiceEndpoint } from './model';
import { upstreamOverride } from './caller-upstreams';

/**
 * Consul Connect registrations (README, "Coming from Consul Connect"). A `Kind: connect-proxy`
 * instance is the sidecar of `Proxy.DestinationServiceName`; callers of that service reach it
 * through its sidecars only, as Consul's `/v1/health/connect/<service>` has it, so a service
 * with any sidecar registration is never reached on its app port, even while every sidecar
 * is down. This wins over the project's `Meta.sidecar_port` convention.
 */

const MAX_WEIGHT = 128;

/** The connect-proxy instances of the catalog, by destination service. */
export function sidecarsByDestination(services: ReadonlyMap<string, readonly ServiceInstance[]>): Map<string, ServiceInstance[]> {
  const byDestination = new Map<string, ServiceInstance[]>();
  for (const instances of services.values()) {
    for (const instance of instances) {
      const destination = instance.connectProxy?.destinationService;
      if (destination === undefined) continue;
      const list = byDestination.get(destination);
      if (list) list.push(instance);
      else byDestination.set(destination, [instance]);
    }
  }
  return byDestination;
}

/** The destination instance a sidecar fronts: the one its registration names, on its node. */
function destinationOf(sidecar: ServiceInstance, destinations: readonly ServiceInstance[]): ServiceInstance | undefined {
  const id = sidecar.connectProxy?.destinationServiceId;
  if (id === undefined) return sidecar;
  return destinations.find((d) => d.id === id && d.node === sidecar.node && d.connectProxy === undefined);
}

/**
 * Where callers of a Connect service go: each passing or warning sidecar whose destination
 * instance is served (a critical destination has left `destinations`). The endpoint keeps the
 * destination's id, tags and meta (subsets select on them, as Consul's resolver does on the
 * sidecar's inherited ones) and its weights; it is a warning endpoint when either side warns.
 */
export function connectEndpoints(destinations: readonly ServiceInstance[], sidecars: readonly ServiceInstance[]): ServiceEndpoint[] {
  const endpoints: ServiceEndpoint[] = [];
  for (const sidecar of sidecars) {
    const destination = destinationOf(sidecar, destinations);
    if (!destination || sidecar.health === 'critical' || destination.health === 'critical') continue;
    const health = sidecar.health === 'warning' || destination.health === 'warning' ? 'warning' : 'passing';
    const weight = health === 'warning' ? destination.weights.warning : destination.weights.passing;
    if (weight < 1 || !isIP(sidecar.address)) continue;
    endpoints.push({
      id: destination.id,
      address: sidecar.address,
      port: sidecar.port,
      appPort: sidecar.connectProxy?.localServicePort ?? destination.port,
      sidecarPort: sidecar.port,
      health,
      weight: Math.min(weight, MAX_WEIGHT),
      tags: destination.tags,
      meta: destination.meta,
    });
  }
  return endpoints;
}

/** What the sidecar's own Envoy is sent: its public, upstream and exposed-path listeners. */
export function connectSidecar(sidecar: ServiceInstance, destinations: readonly ServiceInstance[]): ConnectSidecar | undefined {
  const proxy = sidecar.connectProxy;
  if (!proxy) return undefined;
  const unsupported: string[] = [...proxy.ignored];
  if (proxy.mode === 'transparent') unsupported.push('Proxy.Mode "transparent": no outbound capture is set up; use Proxy.Upstreams');
  const upstreams = proxy.upstreams.flatMap((u) => {
    const name = `upstream ${u.destinationName}`;
    if (u.destinationType === 'prepared_query') unsupported.push(`${name}: prepared queries are not served; name the service`);
    else if (u.datacenter !== '') unsupported.push(`${name}: Datacenter "${u.datacenter}" is not served; only the local datacenter is`);
    else if (u.localBindPort === undefined) unsupported.push(`${name}: LocalBindSocketPath is not served; give a LocalBindPort`);
    else return [{ service: u.destinationName, address: u.localBindAddress, port: u.localBindPort, ...(u.settings ? { override: upstreamOverride(u.settings) } : {}) }];
    return [];
  });
  const protocols = [
    ...(proxy.protocol ? [{ path: 'Proxy.Config.protocol', service: proxy.destinationService, protocol: proxy.protocol }] : []),
    ...proxy.upstreams.flatMap((u, i) => (u.protocol ? [{ path: `Proxy.Upstreams[${i}].Config.protocol`, service: u.destinationName, protocol: u.protocol }] : [])),
  ];
  const expose = new Map<number, ExposeListener['paths'][number][]>();
  for (const path of proxy.exposePaths) {
    const paths = expose.get(path.listenerPort) ?? [];
    paths.push({ path: path.path, localPathPort: path.localPathPort, protocol: path.protocol });
    expose.set(path.listenerPort, paths);
  }
  const destination = proxy.destinationServiceId === undefined ? undefined : destinationOf(sidecar, destinations);
  return {
    id: sidecar.id,
    node: sidecar.node,
    service: proxy.destinationService,
    publicPort: sidecar.port,
    local: { address: proxy.localServiceAddress ?? '127.0.0.1', port: proxy.localServicePort ?? destination?.port },
    upstreams,
    expose: [...expose].sort(([a], [b]) => a - b).map(([port, paths]) => ({ port, paths })),
    unsupported,
    ...(protocols.length > 0 ? { protocols } : {}),
    ...(proxy.localTimeouts ? { localTimeouts: proxy.localTimeouts } : {}),
  };
}
