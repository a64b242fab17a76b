import type { ServiceEndpoint, ServiceModel } from './model';
import type { SubsetModel } from './policy-model';
import { subsetClusterName, subsetEndpoints } from './subset';

function loadAssignment(clusterName: string, endpoints: readonly ServiceEndpoint[]): object {
  return {
    cluster_name: clusterName,
    endpoints: endpoints.length
      ? [
          {
            locality: {},
            load_balancing_weight: { value: 1 },
            lb_endpoints: endpoints.map((e) => ({
              endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
              health_status: 'HEALTHY',
              load_balancing_weight: { value: e.weight },
            })),
          },
        ]
      : [],
  };
}

/**
 * The ClusterLoadAssignment of a service. Every locality carries a weight and an (empty)
 * locality, and addresses are IP literals: grpc-js-xds silently drops unweighted
 * localities and rejects a missing locality or a hostname.
 */
export function serviceLoadAssignment(service: ServiceModel): object {
  return loadAssignment(service.name, service.endpoints);
}

/** The instances of a service whose Consul tags and meta match the subset's selector. */
export function subsetLoadAssignment(service: ServiceModel, subset: SubsetModel): object {
  return loadAssignment(subsetClusterName(service.name, subset.name), subsetEndpoints(service, subset));
}
