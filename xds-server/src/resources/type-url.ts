/** The xDS resource types this control plane serves, by their exact type URLs. */
export const TypeUrl = {
  Cluster: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  Endpoint: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  Listener: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  ScopedRoute: 'type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration',
  Route: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  Secret: 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
} as const;

export type TypeUrl = (typeof TypeUrl)[keyof typeof TypeUrl];

/** Push order on one ADS stream (make before break): CDS, EDS, LDS, SRDS, RDS, SDS. */
export const PUSH_ORDER: readonly TypeUrl[] = [TypeUrl.Cluster, TypeUrl.Endpoint, TypeUrl.Listener, TypeUrl.ScopedRoute, TypeUrl.Route, TypeUrl.Secret];

/** Short names for logs, metrics and `mesh status`. */
export type TypeShortName = 'CDS' | 'EDS' | 'LDS' | 'SRDS' | 'RDS' | 'SDS';

export const TYPE_SHORT_NAME: Readonly<Record<TypeUrl, TypeShortName>> = {
  [TypeUrl.Cluster]: 'CDS',
  [TypeUrl.Endpoint]: 'EDS',
  [TypeUrl.Listener]: 'LDS',
  [TypeUrl.ScopedRoute]: 'SRDS',
  [TypeUrl.Route]: 'RDS',
  [TypeUrl.Secret]: 'SDS',
};

export function isTypeUrl(value: string): value is TypeUrl {
  return (PUSH_ORDER as readonly string[]).includes(value);
}

/**
 * CDS, LDS and SRDS are full state in SotW: a response lists every resource, and omitting
 * one deletes it. They are also the only types Envoy subscribes to by wildcard.
 */
export function isFullStateType(typeUrl: TypeUrl): boolean {
  return typeUrl === TypeUrl.Cluster || typeUrl === TypeUrl.Listener || typeUrl === TypeUrl.ScopedRoute;
}
