import { serviceCluster } from './cluster.translator';
import { serviceLoadAssignment } from './endpoint.translator';
import { targetService } from './grpc-target';
import { apiListener } from './listener.translator';
import type { ServiceModel } from './model';
import { encodeResource } from '../resources/resource-encoder';
import type { Resource } from '../resources/resource';
import type { NodeView } from '../resources/node-view';
import type { ResourceIndex } from '../resources/resource-index';
import { TypeUrl } from '../resources/type-url';

/** A service Consul does not list: a gRPC client calls it, so it is taken to speak gRPC. */
function absentService(name: string): ServiceModel {
  return { name, protocol: 'grpc', endpoints: [] };
}

function standIn(typeUrl: TypeUrl, name: string): Resource | undefined {
  const service = targetService(name);
  if (service === undefined) return undefined;
  switch (typeUrl) {
    case TypeUrl.Listener:
      return encodeResource(typeUrl, name, apiListener(name, service));
    case TypeUrl.Cluster:
      return name === service ? encodeResource(typeUrl, name, serviceCluster(absentService(name))) : undefined;
    case TypeUrl.Endpoint:
      return name === service ? encodeResource(typeUrl, name, serviceLoadAssignment(absentService(name))) : undefined;
    default:
      return undefined;
  }
}

/**
 * What proxyless gRPC clients are sent: per service an API listener, its cluster and its
 * ClusterLoadAssignment, looked up by the names a client subscribes to.
 *
 * A subscribed name is always answered, also when Consul has no such service (any more),
 * with a listener, a cluster and an empty ClusterLoadAssignment: calls then fail with
 * UNAVAILABLE until an instance registers. Leaving the listener out would delete it, and
 * grpc-js-xds 1.14 keeps a deleted resource cached: when the same content comes back it
 * sees no change, never tells its watchers, and the channel stays failed for good. This
 * also spares a client that starts before its service registers the 15 s does-not-exist
 * timeout. The answer depends only on the catalog and the name, so replicas and restarts agree.
 *
 * Listener names may carry a port (`xds:///name:50051`); the route still goes to `name`.
 */
export class GrpcView implements NodeView {
  private readonly standIns = new Map<string, Resource | undefined>();

  constructor(private readonly sets: Readonly<Record<TypeUrl, ResourceIndex>>) {}

  resources(typeUrl: TypeUrl): ResourceIndex {
    return this.sets[typeUrl];
  }

  resource(typeUrl: TypeUrl, name: string): Resource | undefined {
    const found = this.sets[typeUrl].get(name);
    if (found !== undefined) return found;
    const key = `${typeUrl}|${name}`;
    if (!this.standIns.has(key)) this.standIns.set(key, standIn(typeUrl, name));
    return this.standIns.get(key);
  }
}
