import type { ServiceEndpoint, ServiceModel } from './model';
import type { SubsetModel } from './policy-model';
import { subsetClusterName, subsetEndpoints } from './subset';

function locality(endpoints: readonly ServiceEndpoint[], priority: number): object {
  return {
    locality: {},
    load_balancing_weight: { value: 1 },
    ...(priority > 0 ? { priority } : {}),
    lb_endpoints: endpoints.map((e) => ({
      endpoint: { address: { socket_address: { address: e.address, port_value: e.port } } },
      health_status: 'HEALTHY',
      load_balancing_weight: { value: e.weight },
    })),
  };
}

/**
 * Failover targets become priorities 1, 2, …: Envoy sends a priority traffic only as the ones
 * before it run out of healthy endpoints, and critical endpoints never reach this model, so a
 * service with no instance left moves to its failover at once. Every priority up to the last
 * is present, empty or not, since Envoy needs them contiguous.
 */
function loadAssignment(clusterName: string, endpoints: readonly ServiceEndpoint[], failover: ReadonlyArray<readonly ServiceEndpoint[]> = []): object {
  if (failover.length === 0) return { cluster_name: clusterName, endpoints: endpoints.length ? [locality(endpoints, 0)] : [] };
  return { cluster_name: clusterName, endpoints: [endpoints, ...failover].map((level, priority) => locality(level, priority)) };
}

/**
 * The ClusterLoadAssignment of a service. Every locality carries a weight and an (empty)
 * locality, and addresses are IP literals: grpc-js-xds silently drops unweighted
 * localities and rejects a missing locality or a hostname.
 */
export function serviceLoadAssignment(service: ServiceModel, failover?: ReadonlyArray<readonly ServiceEndpoint[]>): object {
  return loadAssignment(service.name, service.endpoints, failover);
}

/** The instances of a service whose Consul tags and meta match the subset's selector. */
export function subsetLoadAssignment(service: ServiceModel, subset: SubsetModel, failover?: ReadonlyArray<readonly ServiceEndpoint[]>): object {
  return loadAssignment(subsetClusterName(service.name, subset.name), subsetEndpoints(service, subset), failover);
}
