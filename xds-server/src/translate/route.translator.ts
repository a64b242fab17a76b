import type { IngressListenerModel } from './ingress-gateway';
import type { ServiceModel } from './model';
import type { GatewayRouteModel, TrafficPolicyModel } from './policy-model';
import { headerChanges, methodMatcher, routeRule, SAFE_RETRY } from './route-rule';

export const GATEWAY_ROUTE_NAME = 'gateway';

/** The route configuration behind a local bind port for `service`. */
export function upstreamRouteName(service: string): string {
  return `upstream:${service}`;
}

/** A service's routes in match order: its policy's, or everything to the whole service. */
export function serviceRoutes(service: ServiceModel, policy: TrafficPolicyModel | undefined): object[] {
  return policy ? policy.routes.map((route) => routeRule(policy, route)) : [{ match: { prefix: '/' }, route: { cluster: service.name, retry_policy: SAFE_RETRY } }];
}

/** The scoped route table of the outbound listener: one scope per Host a service answers to. */
export const OUTBOUND_SCOPES_NAME = 'outbound';

/**
 * The Host names that reach `service` through the outbound listener. The scope key is the
 * Host up to its first `:`, so `<name>:<port>` finds the same scope as `<name>`.
 */
export function outboundDomains(service: string): readonly string[] {
  return [service, `${service}.service.consul`];
}

/**
 * Routes by Host/:authority go through SRDS: each Host maps to the target service's own
 * RouteConfiguration, so an edit to one service's routes sends that service's routes and
 * nothing else, instead of one route table holding every service.
 */
export function outboundScope(service: string, domain: string): object {
  return { name: outboundScopeName(domain), route_configuration_name: upstreamRouteName(service), key: { fragments: [{ string_key: domain }] } };
}

export function outboundScopeName(domain: string): string {
  return `${OUTBOUND_SCOPES_NAME}:${domain}`;
}

/** A service's routes whatever the Host: what a local bind port and the service's outbound scopes use. */
export function upstreamRouteConfiguration(service: ServiceModel, policy: TrafficPolicyModel | undefined): object {
  return {
    name: upstreamRouteName(service.name),
    virtual_hosts: [{ name: service.name, domains: ['*'], routes: serviceRoutes(service, policy) }],
  };
}

/**
 * The gateway's public routes by path prefix. A route to a service the catalog does not
 * list is left out until the service appears, as its cluster is not sent.
 */
export function gatewayRouteConfiguration(routes: readonly GatewayRouteModel[], services: ReadonlyMap<string, ServiceModel>): object {
  return {
    name: GATEWAY_ROUTE_NAME,
    virtual_hosts: [
      {
        name: GATEWAY_ROUTE_NAME,
        domains: ['*'],
        routes: routes.filter((r) => services.has(r.service)).map(gatewayRoute),
      },
    ],
  };
}

/**
 * A prefix without a trailing slash matches whole segments (Envoy's path_separated_prefix):
 * `/users` takes `/users` and `/users/me` but leaves `/users-admin` unrouted.
 */
function gatewayRoute(route: GatewayRouteModel): object {
  const path = route.prefix.endsWith('/') ? { prefix: route.prefix } : { path_separated_prefix: route.prefix };
  return {
    match: { ...path, ...(route.methods.length ? { headers: [methodMatcher(route.methods)] } : {}) },
    route: { cluster: route.service, ...(route.rewritePrefix !== undefined ? { prefix_rewrite: route.rewritePrefix } : {}), retry_policy: SAFE_RETRY },
  };
}

/** An ingress gateway's listener routes over RDS by this name: its port, as Consul names it. */
export function ingressRouteName(port: number): string {
  return String(port);
}

/**
 * An ingress listener's routes: one virtual host per published service, by its Host names,
 * each with the service's own routes (its router, splitter and resolver), as a sidecar's
 * upstream has them, and the entry's header changes for that service.
 */
export function ingressRouteConfiguration(listener: IngressListenerModel, services: ReadonlyMap<string, ServiceModel>, policies: ReadonlyMap<string, TrafficPolicyModel> | undefined): object {
  return {
    name: ingressRouteName(listener.port),
    virtual_hosts: listener.services.flatMap((published) => {
      const service = services.get(published.service);
      if (!service) return [];
      return [
        {
          name: published.service,
          domains: [...published.domains],
          routes: serviceRoutes(service, policies?.get(published.service)),
          ...headerChanges(published.requestHeaders),
          ...headerChanges(published.responseHeaders, 'response'),
        },
      ];
    }),
  };
}
