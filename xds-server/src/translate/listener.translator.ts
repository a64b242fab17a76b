import { isIP } from 'node:net';
import type { ExposeListener, LocalService, ProxyIdentity, ServiceProtocol } from './model';
import { CONNECT_TIMEOUT, HTTP2_PROTOCOL_OPTIONS } from './cluster.translator';
import { configSource, type ConfigSourceRef } from './config-source';
import { duration } from './duration';
import { FAULT_FILTER_NAME, FAULT_TYPE } from './route-rule';
import type { MtlsMode } from './policy-model';
import { httpRbacFilter, networkRbacFilter, type CallerPermissions } from './rbac.translator';
import { GATEWAY_ROUTE_NAME, ingressRouteName, OUTBOUND_SCOPES_NAME, upstreamRouteName } from './route.translator';
import type { IngressListenerModel } from './ingress-gateway';
import { downstreamTransportSocket, inboundFilterChains, type MeshIdentity } from './tls-context';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };
/** Does nothing by itself; routes with a fault policy override it through typed_per_filter_config. */
const FAULT = { name: FAULT_FILTER_NAME, typed_config: { '@type': FAULT_TYPE } };

export const OUTBOUND_LISTENER_NAME = 'outbound';
export const INBOUND_LISTENER_NAME = 'inbound';
export const GATEWAY_LISTENER_NAME = 'gateway';
export const LOCAL_APP_CLUSTER = 'local_app';

function socketAddress(address: string, port: number): object {
  return { socket_address: { address, port_value: port } };
}

/** Where an HCM's routes come from: one RouteConfiguration over RDS, or scopes over SRDS. */
function rds(routeConfigName: string, source: ConfigSourceRef): object {
  return { rds: { route_config_name: routeConfigName, config_source: configSource(source) } };
}

/** Scopes keyed by the Host up to its first `:` (so with or without a port), each naming a RouteConfiguration. */
function scopedByHost(name: string, source: ConfigSourceRef): object {
  return {
    scoped_routes: {
      name,
      scope_key_builder: { fragments: [{ header_value_extractor: { name: ':authority', element_separator: ':', index: 0 } }] },
      rds_config_source: configSource(source),
      scoped_rds: { scoped_rds_config_source: configSource(source) },
    },
  };
}

/** An HCM whose routes come from the control plane and may carry traffic policy (so it has the fault filter). */
function policyHcm(statPrefix: string, routes: object, extra: object = {}, tracing: object = {}): object {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: { '@type': HCM_TYPE, stat_prefix: statPrefix, ...extra, ...tracing, ...routes, http_filters: [FAULT, ROUTER] },
  };
}

/** The listener every sidecar gets: the app calls it, it routes by Host to the target service. */
export function outboundListener(proxy: ProxyIdentity, tracing: object = {}): object {
  return {
    name: OUTBOUND_LISTENER_NAME,
    address: socketAddress(proxy.outboundAddress, proxy.outboundPort),
    traffic_direction: 'OUTBOUND',
    filter_chains: [{ filters: [policyHcm('outbound', scopedByHost(OUTBOUND_SCOPES_NAME, proxy.configSource), { strip_any_host_port: true }, tracing)] }],
  };
}

export function localBindListenerName(service: string): string {
  return `upstream:${service}`;
}

/**
 * An upstream the app reaches on 127.0.0.1:<localBindPort> instead of by Host header:
 * every request there goes by the service's routes, and a tcp service is proxied as is.
 */
export function localBindListener(service: string, protocol: ServiceProtocol, port: number, source: ConfigSourceRef, tracing: object = {}, address = '127.0.0.1'): object {
  const statPrefix = `upstream_${service}`;
  const filter =
    protocol === 'tcp'
      ? { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix, cluster: service } }
      : policyHcm(statPrefix, rds(upstreamRouteName(service), source), {}, tracing);
  return { name: localBindListenerName(service), address: socketAddress(address, port), traffic_direction: 'OUTBOUND', filter_chains: [{ filters: [filter] }] };
}

/** The gateway's public listener: routes by path prefix to service clusters. */
export function gatewayListener(port: number, source: ConfigSourceRef, tracing: object = {}): object {
  return {
    name: GATEWAY_LISTENER_NAME,
    address: socketAddress('0.0.0.0', port),
    filter_chains: [{ filters: [policyHcm('gateway', rds(GATEWAY_ROUTE_NAME, source), {}, tracing)] }],
  };
}

/** Consul's names: `<protocol>:<address>:<port>`, or `<service>:<address>:<port>` for a tcp listener. */
export function ingressListenerName(address: string, listener: IngressListenerModel): string {
  const prefix = listener.protocol === 'tcp' ? (listener.services[0]?.service ?? 'tcp') : listener.protocol;
  return `${prefix}:${address}:${listener.port}`;
}

/** An ingress gateway's listener on its registration's address: routes by Host over RDS, or one tcp service proxied as is. */
export function ingressListener(address: string, listener: IngressListenerModel, source: ConfigSourceRef, tracing: object = {}): object {
  const tcpService = listener.protocol === 'tcp' ? listener.services[0]?.service : undefined;
  const filter =
    tcpService !== undefined
      ? { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: `ingress_upstream_${tcpService}`, cluster: tcpService } }
      : policyHcm(`ingress_upstream_${listener.port}`, rds(ingressRouteName(listener.port), source), {}, tracing);
  return { name: ingressListenerName(address, listener), address: socketAddress(address, listener.port), traffic_direction: 'OUTBOUND', filter_chains: [{ filters: [filter] }] };
}

/** How a sidecar's public listener takes connections when its service is in `strict` or `permissive` mode. */
export interface InboundMtls {
  mode: Exclude<MtlsMode, 'off'>;
  /** The service's allowed callers; undefined lets every mesh service in (no RBAC filter). */
  allowedCallers: readonly string[] | undefined;
  /** Callers whose every request an L7 intention judges (a plain record, so it is part of the listener's content key). */
  callerPermissions?: CallerPermissions;
  identity: MeshIdentity;
  /** Where the proxy fetches its secrets. */
  configSource: ConfigSourceRef;
}

/**
 * The app learns who called it: Envoy drops any x-forwarded-client-cert the caller sent and
 * sets its own, with the verified peer's SPIFFE ID (URI=) and certificate hash.
 */
const CLIENT_CERT_DETAILS = { forward_client_cert_details: 'SANITIZE_SET', set_current_client_cert_details: { uri: true } };

function inboundHcm(local: LocalService, statPrefix: string, httpFilters: readonly object[], extra: object, tracing: object): object {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': HCM_TYPE,
      stat_prefix: statPrefix,
      ...extra,
      ...tracing,
      route_config: {
        name: INBOUND_LISTENER_NAME,
        virtual_hosts: [
          {
            name: local.name,
            domains: ['*'],
            routes: [{ match: { prefix: '/' }, route: { cluster: LOCAL_APP_CLUSTER, ...(local.requestTimeoutMs === undefined ? {} : { timeout: duration(local.requestTimeoutMs) }) } }],
          },
        ],
      },
      http_filters: [...httpFilters, ROUTER],
    },
  };
}

function inboundTcpProxy(statPrefix: string): object {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': TCP_PROXY_TYPE, stat_prefix: statPrefix, cluster: LOCAL_APP_CLUSTER } };
}

/**
 * Traffic for this sidecar's own service arrives here and goes to the app on loopback.
 * Without `mtls` (mode `off`) it is one plaintext chain. `strict`: one chain that requires a
 * client certificate from the mesh CA, with RBAC from the allowed callers. `permissive`: that
 * chain for TLS and a plaintext chain without RBAC (a plaintext caller has no identity to check).
 */
export function inboundListener(local: LocalService, tracing: object = {}, mtls?: InboundMtls): object {
  const base = { name: INBOUND_LISTENER_NAME, address: socketAddress('0.0.0.0', local.sidecarPort), traffic_direction: 'INBOUND' };
  if (!mtls) return { ...base, filter_chains: [{ filters: [local.protocol === 'tcp' ? inboundTcpProxy('inbound') : inboundHcm(local, 'inbound', [], {}, tracing)] }] };
  const rbac =
    local.protocol === 'tcp'
      ? networkRbacFilter(mtls.allowedCallers, mtls.identity, 'inbound', mtls.callerPermissions)
      : httpRbacFilter(mtls.allowedCallers, mtls.identity, mtls.callerPermissions);
  const mtlsFilters =
    local.protocol === 'tcp'
      ? [...(rbac ? [rbac] : []), inboundTcpProxy('inbound')]
      : [inboundHcm(local, 'inbound', rbac ? [rbac] : [], CLIENT_CERT_DETAILS, tracing)];
  const plaintextFilters = local.protocol === 'tcp' ? [inboundTcpProxy('inbound_plaintext')] : [inboundHcm(local, 'inbound_plaintext', [], CLIENT_CERT_DETAILS, tracing)];
  const chains = inboundFilterChains({
    mode: mtls.mode,
    mtlsFilters,
    plaintextFilters,
    transportSocket: downstreamTransportSocket({ protocol: local.protocol, configSource: mtls.configSource }),
  });
  return { ...base, ...chains };
}

/** The app behind a sidecar, on loopback unless a Connect registration says otherwise. Static, so it never waits for EDS. */
export function localAppCluster(local: LocalService): object {
  const address = local.appAddress ?? '127.0.0.1';
  return {
    name: LOCAL_APP_CLUSTER,
    type: isIP(address) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: local.connectTimeoutMs === undefined ? CONNECT_TIMEOUT : duration(local.connectTimeoutMs),
    ...(local.protocol === 'grpc' || local.protocol === 'http2' ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS } : {}),
    load_assignment: {
      cluster_name: LOCAL_APP_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, local.appPort) } }] }],
    },
  };
}

export function exposeListenerName(port: number): string {
  return `exposed_path:${port}`;
}

export function exposeClusterName(localPathPort: number, protocol: 'http' | 'http2'): string {
  return `exposed_path:${localPathPort}${protocol === 'http2' ? '~h2' : ''}`;
}

/**
 * A Connect sidecar's `Proxy.Expose.Paths` on one port: plaintext, exact paths only, straight
 * to the app (as Consul serves them, for health checks and metrics scrapes from outside the mesh).
 */
export function exposeListener(expose: ExposeListener): object {
  const routes = expose.paths.map((p) => ({ match: { path: p.path }, route: { cluster: exposeClusterName(p.localPathPort, p.protocol) } }));
  return {
    name: exposeListenerName(expose.port),
    address: socketAddress('0.0.0.0', expose.port),
    traffic_direction: 'INBOUND',
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM_TYPE,
              stat_prefix: exposeListenerName(expose.port),
              route_config: { name: exposeListenerName(expose.port), virtual_hosts: [{ name: 'exposed', domains: ['*'], routes }] },
              http_filters: [ROUTER],
            },
          },
        ],
      },
    ],
  };
}

/** The app's port an exposed path goes to, on loopback. */
export function exposeCluster(localPathPort: number, protocol: 'http' | 'http2'): object {
  const name = exposeClusterName(localPathPort, protocol);
  return {
    name,
    type: 'STATIC',
    connect_timeout: CONNECT_TIMEOUT,
    ...(protocol === 'http2' ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS } : {}),
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', localPathPort) } }] }] },
  };
}

/**
 * What a proxyless gRPC client gets for `xds:///<name>`: an API listener named as the client
 * asked, routing everything to the service's cluster. The router filter must come last.
 */
export function apiListener(name: string, service: string): object {
  return {
    name,
    api_listener: {
      api_listener: {
        '@type': HCM_TYPE,
        stat_prefix: service,
        route_config: {
          name,
          virtual_hosts: [{ name: service, domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: service } }] }],
        },
        http_filters: [ROUTER],
      },
    },
  };
}
