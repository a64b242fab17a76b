/**
 * How generated resources point at the resources they depend on (a cluster at its EDS, a
 * listener at its RDS). A proxy on ADS gets `ads`. A proxy on the per-type services gets
 * an api_config_source naming its own xDS cluster: Envoy does not implement `self`.
 */
export type ConfigSourceRef =
  | { kind: 'ads' }
  | { kind: 'api'; apiType: 'GRPC' | 'DELTA_GRPC'; xdsCluster: string };

export const ADS: ConfigSourceRef = { kind: 'ads' };

export function configSource(ref: ConfigSourceRef): object {
  if (ref.kind === 'ads') return { ads: {}, resource_api_version: 'V3' };
  return {
    api_config_source: {
      api_type: ref.apiType,
      transport_api_version: 'V3',
      grpc_services: [{ envoy_grpc: { cluster_name: ref.xdsCluster } }],
    },
    resource_api_version: 'V3',
  };
}

/** A stable key for memoising resources per config source. */
export function configSourceKey(ref: ConfigSourceRef): string {
  return ref.kind === 'ads' ? 'ads' : `${ref.apiType}:${ref.xdsCluster}`;
}
