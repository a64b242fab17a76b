import { isIP } from 'node:net';
import { NODE_METADATA } from '../xds/proxy-node';

export const XDS_CLUSTER = 'xds_cluster';
const ADMIN_CLUSTER = 'envoy_admin';
const METRICS_LISTENER = 'envoy_metrics';

export interface XdsEndpoint {
  address: string;
  port: number;
}

export interface EnvoyBootstrapOptions {
  /** node.id: unique per proxy. */
  nodeId: string;
  /** node.cluster: the service this Envoy fronts (or the gateway's name). */
  cluster: string;
  /** node.metadata the control plane reads (xds/proxy-node.ts). */
  metadata: Readonly<Record<string, string | number>>;
  /** Admin interface, on loopback. */
  adminPort: number;
  /**
   * The control plane's xDS gRPC endpoints; a host name is resolved by DNS. With several
   * replicas the first is preferred and the rest take over when it fails its health check.
   */
  xds: XdsEndpoint | readonly XdsEndpoint[];
  /** GRPC: state of the world; DELTA_GRPC: incremental. */
  apiType?: 'GRPC' | 'DELTA_GRPC';
  /** A static listener on 0.0.0.0 that serves only admin's `/stats/prometheus`. */
  metricsPort?: number;
  /** Reach the control plane over TLS, verifying it against the Consul CA; plaintext without. */
  xdsTls?: XdsTls;
}

export interface XdsTls {
  /** PEM bundle of the Consul CA roots, read when Envoy starts. */
  caFile: string;
  /** The Consul service name the control plane's certificate is issued for: its SPIFFE ID ends in `/svc/<name>`. */
  serverName: string;
}

/**
 * Only a certificate the Consul CA signed for the control plane's service name will do: a
 * rogue server on the LAN has neither, so it cannot feed this proxy config.
 */
function xdsTransportSocket(tls: XdsTls) {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
      sni: tls.serverName,
      common_tls_context: {
        // grpc-js's server, like any HTTP/2 server over TLS, takes only connections that negotiate h2.
        alpn_protocols: ['h2'],
        validation_context: {
          trusted_ca: { filename: tls.caFile },
          match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { suffix: `/svc/${tls.serverName}` } }],
        },
      },
    },
  };
}

const HTTP2_ONLY = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

function socketAddress(address: string, port: number) {
  return { socket_address: { address, port_value: port } };
}

function staticCluster(name: string, address: string, port: number, extra: object = {}) {
  return {
    name,
    type: isIP(address) ? 'STATIC' : 'STRICT_DNS',
    ...(isIP(address) ? {} : { dns_lookup_family: 'V4_ONLY' }),
    connect_timeout: '1s',
    ...extra,
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, port) } }] }] },
  };
}

function metricsListener(port: number) {
  return {
    name: METRICS_LISTENER,
    address: socketAddress('0.0.0.0', port),
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
              stat_prefix: METRICS_LISTENER,
              route_config: {
                name: METRICS_LISTENER,
                virtual_hosts: [
                  {
                    name: METRICS_LISTENER,
                    domains: ['*'],
                    routes: [{ match: { path: '/stats/prometheus' }, route: { cluster: ADMIN_CLUSTER } }],
                  },
                ],
              },
              http_filters: [
                { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
              ],
            },
          },
        ],
      },
    ],
  };
}

/**
 * The control-plane cluster over several replicas: the first at priority 0, the others at 1,
 * with a TCP health check so that Envoy stops choosing a replica that is gone and reconnects
 * its ADS stream to another one within seconds (a replica is stateless, so any one will do).
 * The stream moves back only when it breaks, never while it works.
 */
function replicatedXdsCluster(endpoints: readonly XdsEndpoint[], extra: object) {
  const [preferred, ...others] = endpoints;
  const lbEndpoints = (list: readonly XdsEndpoint[]) => list.map((e) => ({ endpoint: { address: socketAddress(e.address, e.port) } }));
  return {
    name: XDS_CLUSTER,
    type: endpoints.every((e) => isIP(e.address)) ? 'STATIC' : 'STRICT_DNS',
    ...(endpoints.every((e) => isIP(e.address)) ? {} : { dns_lookup_family: 'V4_ONLY' }),
    connect_timeout: '1s',
    ...extra,
    health_checks: [
      { timeout: '1s', interval: '1s', unhealthy_threshold: 2, healthy_threshold: 1, no_traffic_interval: '1s', tcp_health_check: {} },
    ],
    common_lb_config: { healthy_panic_threshold: { value: 0 } },
    load_assignment: {
      cluster_name: XDS_CLUSTER,
      endpoints: [{ priority: 0, lb_endpoints: lbEndpoints(preferred ? [preferred] : []) }, { priority: 1, lb_endpoints: lbEndpoints(others) }],
    },
  };
}

/**
 * A sidecar or gateway bootstrap: node identity, admin on loopback, and ADS to the control
 * plane over HTTP/2; everything else (listeners, clusters, tracing) comes over xDS.
 */
export function envoyBootstrap(options: EnvoyBootstrapOptions): object {
  const ads = {
    api_type: options.apiType ?? 'GRPC',
    transport_api_version: 'V3',
    grpc_services: [{ envoy_grpc: { cluster_name: XDS_CLUSTER } }],
    set_node_on_first_message_only: true,
  };
  const metadata = Object.fromEntries(Object.entries(options.metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const xds: readonly XdsEndpoint[] = 'address' in options.xds ? [options.xds] : (options.xds as readonly XdsEndpoint[]);
  const [single] = xds;
  if (!single) throw new Error('envoyBootstrap: no xDS endpoint given');
  const channel = {
    typed_extension_protocol_options: HTTP2_ONLY,
    upstream_connection_options: { tcp_keepalive: { keepalive_time: 30, keepalive_interval: 10, keepalive_probes: 3 } },
    ...(options.xdsTls ? { transport_socket: xdsTransportSocket(options.xdsTls) } : {}),
  };
  const clusters: object[] = [xds.length === 1 ? staticCluster(XDS_CLUSTER, single.address, single.port, channel) : replicatedXdsCluster(xds, channel)];
  if (options.metricsPort !== undefined) clusters.push(staticCluster(ADMIN_CLUSTER, '127.0.0.1', options.adminPort));
  return {
    node: { id: options.nodeId, cluster: options.cluster, metadata },
    admin: { address: socketAddress('127.0.0.1', options.adminPort) },
    dynamic_resources: {
      ads_config: ads,
      cds_config: { resource_api_version: 'V3', ads: {} },
      lds_config: { resource_api_version: 'V3', ads: {} },
    },
    static_resources: {
      ...(options.metricsPort !== undefined ? { listeners: [metricsListener(options.metricsPort)] } : {}),
      clusters,
    },
  };
}

/** The node metadata of a sidecar (keys documented in xds/proxy-node.ts). */
export function sidecarMetadata(instanceId: string, outboundPort: number): Record<string, string | number> {
  return {
    [NODE_METADATA.outboundAddress]: '127.0.0.1',
    [NODE_METADATA.outboundPort]: outboundPort,
    [NODE_METADATA.serviceInstanceId]: instanceId,
    [NODE_METADATA.xdsCluster]: XDS_CLUSTER,
  };
}
