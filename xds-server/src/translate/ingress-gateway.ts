import type { IngressGatewayEntry, IngressServiceEntry } from '../consul/ingress-gateway-entry';
import { isServiceProtocol } from './config-entry-policy';
import type { GatewayRegistration, ServiceModel, ServiceProtocol } from './model';
import { upstreamOverride } from './caller-upstreams';
import type { CallerUpstreamsModel, HeaderModifiersModel, UpstreamOverrideModel } from './policy-model';

/**
 * What an `ingress-gateway` config entry publishes, as its gateway's Envoy is served it
 * (README, "Coming from Consul Connect"). Consul's own rules hold: an http, http2 or grpc
 * listener's services speak its protocol, a tcp listener publishes one service of any protocol,
 * `*` stands for every http service,
 * and a service without `Hosts` answers to `<service>.ingress.*`, with and without the port.
 */

export interface IngressServiceModel {
  service: string;
  domains: readonly string[];
  requestHeaders?: HeaderModifiersModel;
  responseHeaders?: HeaderModifiersModel;
  /** The entry's limits and passive health check for this service (or for `*`), over `Defaults`. */
  override?: UpstreamOverrideModel;
}

export interface IngressListenerModel {
  port: number;
  protocol: ServiceProtocol;
  /** The services the catalog has, in the entry's order; a listener with none is not served. */
  services: readonly IngressServiceModel[];
}

export interface IngressGatewayModel {
  /** `ingress-gateway/<name>`. */
  source: string;
  listeners: readonly IngressListenerModel[];
  /** The entry's limits and passive health checks: `Defaults`, and per service (its first listing's). */
  upstreams?: CallerUpstreamsModel;
}

const WILDCARD = '*';

/** The Host names a published service answers to; Envoy matches a Host with a port only against a domain with that port. */
function domains(service: string, hosts: readonly string[], port: number): string[] {
  const named = hosts.length > 0 ? hosts : [`${service}.ingress.*`];
  return [...named, ...named.filter((h) => !/:\d+$/.test(h)).map((h) => `${h}:${port}`).filter((h) => !named.includes(h))];
}

function published(entry: IngressServiceEntry, service: string, port: number): IngressServiceModel {
  return {
    service,
    domains: domains(service, entry.name === WILDCARD ? [] : entry.hosts, port),
    ...(entry.requestHeaders ? { requestHeaders: entry.requestHeaders } : {}),
    ...(entry.responseHeaders ? { responseHeaders: entry.responseHeaders } : {}),
    ...(entry.settings ? { override: upstreamOverride(entry.settings) } : {}),
  };
}

/** Every entry's listeners with the services the catalog has; what cannot be served as written is in `problems`. */
export function ingressGateways(
  entries: ReadonlyMap<string, IngressGatewayEntry>,
  services: ReadonlyMap<string, ServiceModel>,
): { gateways: Map<string, IngressGatewayModel>; problems: string[] } {
  const gateways = new Map<string, IngressGatewayModel>();
  const problems: string[] = [];
  for (const entry of entries.values()) {
    problems.push(...entry.unsupported.map((field) => `${field} is not served by this control plane and is ignored`));
    const listeners: IngressListenerModel[] = [];
    for (const listener of entry.listeners) {
      const at = `${entry.source}: listener on port ${listener.port}`;
      const { protocol } = listener;
      if (!isServiceProtocol(protocol)) {
        problems.push(`${at}: protocol "${protocol}" is not one of tcp, http, http2, grpc; the listener is not served`);
        continue;
      }
      if (protocol === 'tcp' && listener.services.length !== 1) {
        problems.push(`${at}: a tcp listener publishes exactly one service, not ${listener.services.length}; the listener is not served`);
        continue;
      }
      const served: IngressServiceModel[] = [];
      for (const service of listener.services) {
        if (service.name === WILDCARD) {
          if (protocol !== 'http') problems.push(`${at}: "*" is only served on http listeners`);
          else if (service.hosts.length > 0) problems.push(`${at}: "*" takes no Hosts; each service answers to <service>.ingress.*`);
          const all = protocol === 'http' ? [...services.values()].filter((s) => s.protocol === 'http') : [];
          served.push(...all.filter((s) => !listener.services.some((named) => named.name === s.name)).map((s) => published(service, s.name, listener.port)));
          continue;
        }
        const model = services.get(service.name);
        if (!model) continue;
        // As in Consul, a tcp listener may proxy an L7 service's bytes to its sidecars as they are.
        if (model.protocol !== protocol && protocol !== 'tcp') {
          problems.push(`${at}: ${service.name} is served as ${model.protocol}, not ${protocol}; set its protocol with service-defaults or change the listener's`);
          continue;
        }
        if (protocol === 'tcp' && service.hosts.length > 0) problems.push(`${at}: Hosts are not used on a tcp listener`);
        served.push(published(service, service.name, listener.port));
      }
      listeners.push({ port: listener.port, protocol, services: served });
    }
    // A service's first listing decides, as the gateway has one cluster per service.
    const seen = new Set<string>();
    const overrides = new Map<string, UpstreamOverrideModel>();
    for (const { service, override } of listeners.flatMap((l) => l.services)) {
      if (!seen.has(service) && override) overrides.set(service, override);
      seen.add(service);
    }
    const upstreams = entry.defaults || overrides.size > 0 ? { source: entry.source, defaults: entry.defaults && upstreamOverride(entry.defaults), overrides } : undefined;
    gateways.set(entry.name, { source: entry.source, listeners, ...(upstreams ? { upstreams } : {}) });
  }
  return { gateways, problems };
}

/** Gateway registrations whose Envoy gets no listeners, and why. */
export function unservedGateways(gateways: Iterable<GatewayRegistration>, ingress: ReadonlyMap<string, IngressGatewayModel>): string[] {
  return [...gateways].flatMap((gateway) => {
    const label = `${gateway.kind} ${gateway.id}`;
    if (gateway.kind !== 'ingress-gateway') return [`${label}: ${gateway.kind}s are not served; its Envoy gets no listeners`];
    const ignored = gateway.unsupported.map((u) => `${label}: ${u}; listeners bind on the registration's address`);
    if (!ingress.has(gateway.service)) return [...ignored, `${label}: there is no ingress-gateway config entry named ${gateway.service}; its Envoy gets no listeners until one is written`];
    return ignored;
  });
}
