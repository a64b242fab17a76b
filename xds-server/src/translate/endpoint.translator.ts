import type { ServiceModel } from './model';

/**
 * The ClusterLoadAssignment of a service. Every locality carries a weight and an (empty)
 * locality, and addresses are IP literals: grpc-js-xds silently drops unweighted
 * localities and rejects a missing locality or a hostname.
 */
export function serviceLoadAssignment(service: ServiceModel): object {
  return {
    cluster_name: service.name,
    endpoints: service.endpoints.length
      ? [
          {
            locality: {},
            load_balancing_weight: { value: 1 },
            lb_endpoints: service.endpoints.map((e) => ({
              endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
              health_status: 'HEALTHY',
              load_balancing_weight: { value: e.weight },
            })),
          },
        ]
      : [],
  };
}
