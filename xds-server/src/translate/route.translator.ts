import type { MeshModel, ServiceModel } from './model';
import type { GatewayRouteModel, TrafficPolicyModel } from './policy-model';
import { methodMatcher, routeRule } from './route-rule';

export const OUTBOUND_ROUTE_NAME = 'outbound';
export const GATEWAY_ROUTE_NAME = 'gateway';

/** The route configuration behind a local bind port for `service`. */
export function upstreamRouteName(service: string): string {
  return `upstream:${service}`;
}

/** A service's routes in match order: its policy's, or everything to the whole service. */
export function serviceRoutes(service: ServiceModel, policy: TrafficPolicyModel | undefined): object[] {
  return policy ? policy.routes.map((route) => routeRule(policy, route)) : [{ match: { prefix: '/' }, route: { cluster: service.name } }];
}

/**
 * Routes by Host/:authority to the target service. The outbound HCM strips the port
 * before matching, so `<name>` and `<name>.service.consul` cover both with and without a
 * port. Only services whose cluster is in the same snapshot get a virtual host, and a
 * policy's subset clusters are sent with the service's, so no route points at a cluster
 * that was never sent.
 */
export function outboundRouteConfiguration(mesh: MeshModel): object {
  return {
    name: OUTBOUND_ROUTE_NAME,
    virtual_hosts: [...mesh.services.values()].map((service) => ({
      name: service.name,
      domains: [service.name, `${service.name}.service.consul`],
      routes: serviceRoutes(service, mesh.config?.policies.get(service.name)),
    })),
  };
}

/** What an app reaching `service` on its local bind port gets: the service's routes, whatever the Host. */
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
    route: { cluster: route.service, ...(route.rewritePrefix !== undefined ? { prefix_rewrite: route.rewritePrefix } : {}) },
  };
}
