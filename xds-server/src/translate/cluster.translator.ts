import { ADS, configSource, type ConfigSourceRef } from './config-source';
import type { ServiceModel } from './model';

export const CONNECT_TIMEOUT = { seconds: 1 } as const;

/** HTTP/2 to the upstream, for gRPC and h2c services. */
export const HTTP2_PROTOCOL_OPTIONS = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

/**
 * One EDS cluster per service. The merge window is set to zero explicitly: Envoy's 1 s
 * default would hold back health and weight changes, and propagation in milliseconds is
 * the point of this control plane.
 */
export function serviceCluster(service: ServiceModel, source: ConfigSourceRef = ADS): object {
  return {
    name: service.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: configSource(source) },
    connect_timeout: CONNECT_TIMEOUT,
    lb_policy: 'ROUND_ROBIN',
    common_lb_config: { update_merge_window: { seconds: 0 } },
    ...(service.protocol === 'grpc' || service.protocol === 'http2'
      ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS }
      : {}),
  };
}
