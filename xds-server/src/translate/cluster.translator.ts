import { clusterPolicyFields, type ClusterClient } from './cluster-policy';
import { ADS, configSource, type ConfigSourceRef } from './config-source';
import type { ServiceModel } from './model';
import type { SubsetModel, TrafficPolicyModel } from './policy-model';
import { subsetClusterName } from './subset';
import { type MeshIdentity, upstreamTransportSocket } from './tls-context';

export const CONNECT_TIMEOUT = { seconds: 1 } as const;

/** HTTP/2 to the upstream, for gRPC and h2c services. */
export const HTTP2_PROTOCOL_OPTIONS = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

export interface ClusterOptions {
  /** The traffic policy of the service, when the DSL declares one. */
  policy?: TrafficPolicyModel | undefined;
  /** Where the proxy fetches the cluster's EDS (default: its ADS stream). */
  source?: ConfigSourceRef;
  /** Who consumes the cluster: a proxyless gRPC client gets only balancers it supports. */
  client?: ClusterClient;
  /**
   * Set when callers reach the service over mTLS (its mode is strict or permissive): the
   * cluster presents the caller's `identity` and accepts only the service's SPIFFE ID.
   */
  tls?: MeshIdentity | undefined;
}

/**
 * An EDS cluster. The merge window is set to zero explicitly: Envoy's 1 s default would
 * hold back health and weight changes, and propagation in milliseconds is the point of
 * this control plane.
 */
function edsCluster(name: string, service: ServiceModel, options: ClusterOptions): object {
  return {
    name,
    type: 'EDS',
    eds_cluster_config: { eds_config: configSource(options.source ?? ADS) },
    ...clusterPolicyFields(options.policy, options.client),
    common_lb_config: { update_merge_window: { seconds: 0 } },
    ...(service.protocol === 'grpc' || service.protocol === 'http2' ? { typed_extension_protocol_options: HTTP2_PROTOCOL_OPTIONS } : {}),
    ...(options.tls
      ? { transport_socket: upstreamTransportSocket({ destination: service.name, protocol: service.protocol, identity: options.tls, configSource: options.source ?? ADS }) }
      : {}),
  };
}

/** One EDS cluster per service, with the service's traffic policy. */
export function serviceCluster(service: ServiceModel, options: ClusterOptions = {}): object {
  return edsCluster(service.name, service, options);
}

/** One EDS cluster per declared subset, `<service>~<subset>`, with the same policy as the service's. */
export function subsetCluster(service: ServiceModel, subset: SubsetModel, options: ClusterOptions = {}): object {
  return edsCluster(subsetClusterName(service.name, subset.name), service, options);
}
