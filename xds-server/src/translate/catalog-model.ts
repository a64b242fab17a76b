import { isIP } from 'node:net';
import type { ServiceInstance } from '../consul/service-instance';
import { connectEndpoints, connectSidecar, sidecarsByDestination } from './connect-sidecars';
import type { ConnectSidecar, GatewayRegistration, MeshModel, ServiceEndpoint, ServiceModel, ServiceProtocol } from './model';

const PROTOCOLS: readonly ServiceProtocol[] = ['http', 'http2', 'grpc', 'tcp'];
const MAX_WEIGHT = 128;

/** Registration meta keys this control plane reads (documented in the README). */
export const META = {
  /** The sidecar's public port; callers are sent there instead of the app port. */
  sidecarPort: 'sidecar_port',
  /** http (default), http2, grpc or tcp. */
  protocol: 'protocol',
} as const;

/** The protocol the registrations declare, if any. */
function protocolOf(instances: readonly ServiceInstance[]): ServiceProtocol | undefined {
  for (const instance of instances) {
    const declared = instance.meta[META.protocol] ?? instance.tags.find((t) => (PROTOCOLS as readonly string[]).includes(t));
    if (declared && (PROTOCOLS as readonly string[]).includes(declared)) return declared as ServiceProtocol;
  }
  return undefined;
}

function port(value: string | undefined): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : undefined;
}

/**
 * Consul's weights apply as in its own xDS server: a warning instance uses Weights.Warning.
 * A weight of 0 means "do not route here", so such instances are left out.
 */
function toEndpoint(instance: ServiceInstance): ServiceEndpoint | undefined {
  if (instance.health === 'critical') return undefined;
  const weight = instance.health === 'warning' ? instance.weights.warning : instance.weights.passing;
  // Envoy and gRPC clients both need IP literals in EDS.
  if (weight < 1 || !isIP(instance.address)) return undefined;
  const sidecarPort = port(instance.meta[META.sidecarPort]);
  return {
    id: instance.id,
    address: instance.address,
    port: sidecarPort ?? instance.port,
    appPort: instance.port,
    sidecarPort,
    health: instance.health,
    weight: Math.min(weight, MAX_WEIGHT),
    tags: instance.tags,
    meta: instance.meta,
  };
}

interface Built {
  key: string;
  model: ServiceModel;
  instances: readonly ServiceInstance[];
  /** The Connect sidecars of the service, which its endpoints come from when there are any. */
  sidecars: readonly ServiceInstance[];
}

function sameInstances(a: readonly ServiceInstance[], b: readonly ServiceInstance[]): boolean {
  return a.length === b.length && a.every((instance, i) => instance === b[i]);
}

/**
 * Turns catalog state into the translation model. A service whose instances did not
 * change keeps its ServiceModel object, which lets the snapshot reuse its encoded resources.
 * Connect sidecars (`Kind: connect-proxy`) are not services of their own: they become the
 * endpoints of their destination (connect-sidecars.ts) and the registrations their Envoys
 * are served from (`connectProxies`). Nor are gateways: their registrations are what their own
 * Envoys are served from (`gateways`).
 */
export class CatalogModelBuilder {
  private previous = new Map<string, Built>();

  build(services: ReadonlyMap<string, readonly ServiceInstance[]>): MeshModel {
    const next = new Map<string, Built>();
    const sidecars = sidecarsByDestination(services);
    const connectProxies = new Map<string, ConnectSidecar>();
    const gateways = new Map<string, GatewayRegistration>();
    for (const name of [...services.keys()].sort()) {
      const all = services.get(name) ?? [];
      for (const { id, gateway, address } of all) if (gateway) gateways.set(id, { id, service: name, kind: gateway.kind, address, unsupported: gateway.ignored });
      const instances = all.some((i) => i.connectProxy || i.gateway) ? all.filter((i) => !i.connectProxy && !i.gateway) : all;
      if (instances.length === 0 && all.length > 0) continue;
      const own = sidecars.get(name) ?? [];
      for (const sidecar of own) {
        const registration = connectSidecar(sidecar, instances);
        if (registration) connectProxies.set(sidecar.id, registration);
      }
      const kept = this.previous.get(name);
      // A catalog snapshot keeps the very array of a service that did not change.
      if (kept && kept.instances === instances && sameInstances(kept.sidecars, own)) {
        next.set(name, kept);
        continue;
      }
      const endpoints = own.length > 0 ? connectEndpoints(instances, own) : instances.map(toEndpoint).filter((e): e is ServiceEndpoint => e !== undefined);
      endpoints.sort((a, b) => (a.address + a.port).localeCompare(b.address + b.port));
      const declared = protocolOf(instances);
      const key = JSON.stringify([declared, endpoints]);
      const model: ServiceModel = { name, protocol: declared ?? 'http', ...(declared ? { protocolDeclared: true } : {}), endpoints };
      next.set(name, kept && kept.key === key ? { ...kept, instances, sidecars: own } : { key, model, instances, sidecars: own });
    }
    for (const [destination, own] of sidecars) {
      if (services.has(destination)) continue;
      for (const sidecar of own) {
        const registration = connectSidecar(sidecar, []);
        if (registration) connectProxies.set(sidecar.id, registration);
      }
    }
    this.previous = next;
    return {
      services: new Map([...next].map(([name, { model }]) => [name, model])),
      ...(connectProxies.size > 0 ? { connectProxies } : {}),
      ...(gateways.size > 0 ? { gateways } : {}),
    };
  }
}
