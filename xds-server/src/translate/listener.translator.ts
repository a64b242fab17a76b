import type { LocalService, ProxyIdentity } from './model';
import { CONNECT_TIMEOUT, HTTP2_PROTOCOL_OPTIONS } from './cluster.translator';
import { configSource } from './config-source';
import { OUTBOUND_ROUTE_NAME } from './route.translator';

const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } };

export const OUTBOUND_LISTENER_NAME = 'outbound';
export const INBOUND_LISTENER_NAME = 'inbound';
export const LOCAL_APP_CLUSTER = 'local_app';

function socketAddress(address: string, port: number): object {
  return { socket_address: { address, port_value: port } };
}

/** The listener every sidecar gets: the app calls it, it routes by Host to the target service. */
export function outboundListener(proxy: ProxyIdentity): object {
  return {
    name: OUTBOUND_LISTENER_NAME,
    address: socketAddress(proxy.outboundAddress, proxy.outboundPort),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM_TYPE,
              stat_prefix: 'outbound',
              strip_any_host_port: true,
              rds: { route_config_name: OUTBOUND_ROUTE_NAME, config_source: configSource(proxy.configSource) },
              http_filters: [ROUTER],
            },
          },
        ],
      },
    ],
  };
}

/** Traffic for this sidecar's own service arrives here and goes to the app on loopback. */
export function inboundListener(local: LocalService): object {
  return {
    name: INBOUND_LISTENER_NAME,
    address: socketAddress('0.0.0.0', local.sidecarPort),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM_TYPE,
              stat_prefix: 'inbound',
              route_config: {
                name: INBOUND_LISTENER_NAME,
                virtual_hosts: [{ name: local.name, domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: LOCAL_APP_CLUSTER } }] }],
              },
              http_filters: [ROUTER],
            },
          },
        ],
      },
    ],
  };
}

/** The app behind a sidecar, on loopback. Static, so it never waits for EDS. */
export function localAppCluster(local: LocalService): object {
  return {
    name: LOCAL_APP_CLUSTER,
    type: 'STATIC',
    connect_timeout: CONNECT_TIMEOUT,
    ...(local.protocol === 'grpc' || local.protocol === 'http2' ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS } : {}),
    load_assignment: {
      cluster_name: LOCAL_APP_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', local.appPort) } }] }],
    },
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
