import {
  apiListener,
  INBOUND_LISTENER_NAME,
  inboundListener,
  LOCAL_APP_CLUSTER,
  localAppCluster,
  OUTBOUND_LISTENER_NAME,
  outboundListener,
} from '../translate/listener.translator';
import { serviceCluster } from '../translate/cluster.translator';
import { serviceLoadAssignment } from '../translate/endpoint.translator';
import type { LocalService, MeshModel, ProxyIdentity, ServiceModel } from '../translate/model';
import { OUTBOUND_ROUTE_NAME, outboundRouteConfiguration } from '../translate/route.translator';
import { configSourceKey, type ConfigSourceRef } from '../translate/config-source';
import { GrpcView } from './grpc-view';
import { encodeResource } from './resource-encoder';
import type { NodeView, Resource, ResourceSet } from './resource';
import { TypeUrl } from './type-url';

interface ServiceResources {
  cluster: Resource;
  /** The cluster for proxies on the per-type services, by config source, encoded on first use. */
  perTypeClusters?: Map<string, Resource>;
  endpoints: Resource;
  apiListener: Resource;
}

const EMPTY: ResourceSet = new Map();

function byName(resources: Iterable<Resource>): ResourceSet {
  return new Map([...resources].map((r) => [r.name, r]));
}

/**
 * The encoded resources for one state of the mesh. Building the next snapshot reuses the
 * encoded resources of every ServiceModel that did not change (same object), so an
 * endpoint change re-encodes one cluster's resources, not the whole mesh. Per-proxy views
 * are built on first use and shared by proxies with the same identity key.
 */
export class MeshSnapshot {
  private readonly views = new Map<string, NodeView>();

  private constructor(
    readonly model: MeshModel,
    private readonly perService: WeakMap<ServiceModel, ServiceResources>,
    readonly clusters: ResourceSet,
    readonly endpoints: ResourceSet,
    readonly outboundRoutes: ResourceSet,
    readonly apiListeners: ResourceSet,
  ) {}

  static build(model: MeshModel, previous?: MeshSnapshot): MeshSnapshot {
    const perService = previous?.perService ?? new WeakMap<ServiceModel, ServiceResources>();
    const services = [...model.services.values()].map((service) => {
      let encoded = perService.get(service);
      if (!encoded) {
        encoded = {
          cluster: encodeResource(TypeUrl.Cluster, service.name, serviceCluster(service)),
          endpoints: encodeResource(TypeUrl.Endpoint, service.name, serviceLoadAssignment(service)),
          apiListener: encodeResource(TypeUrl.Listener, service.name, apiListener(service.name, service.name)),
        };
        perService.set(service, encoded);
      }
      return encoded;
    });
    const routes = encodeResource(TypeUrl.Route, OUTBOUND_ROUTE_NAME, outboundRouteConfiguration(model));
    return new MeshSnapshot(
      model,
      perService,
      byName(services.map((s) => s.cluster)),
      byName(services.map((s) => s.endpoints)),
      byName([routes]),
      byName(services.map((s) => s.apiListener)),
    );
  }

  /** What one proxy may be sent. `local` is the proxy's own service, when the catalog knows it. */
  viewFor(proxy: ProxyIdentity, local: LocalService | undefined): NodeView {
    const key =
      proxy.kind === 'grpc'
        ? 'grpc'
        : `envoy|${configSourceKey(proxy.configSource)}|${proxy.outboundAddress}:${proxy.outboundPort}|${local ? JSON.stringify(local) : ''}`;
    let view = this.views.get(key);
    if (!view) {
      view = proxy.kind === 'grpc' ? this.grpcView() : this.envoyView(proxy, local);
      this.views.set(key, view);
    }
    return view;
  }

  private perTypeCluster(service: ServiceModel, source: ConfigSourceRef): Resource {
    const encoded = this.perService.get(service) as ServiceResources;
    encoded.perTypeClusters ??= new Map();
    const key = configSourceKey(source);
    let cluster = encoded.perTypeClusters.get(key);
    if (!cluster) {
      cluster = encodeResource(TypeUrl.Cluster, service.name, serviceCluster(service, source));
      encoded.perTypeClusters.set(key, cluster);
    }
    return cluster;
  }

  private grpcView(): NodeView {
    return new GrpcView({
      [TypeUrl.Cluster]: this.clusters,
      [TypeUrl.Endpoint]: this.endpoints,
      [TypeUrl.Listener]: this.apiListeners,
      [TypeUrl.Route]: EMPTY,
      [TypeUrl.Secret]: EMPTY,
    });
  }

  private envoyView(proxy: ProxyIdentity, local: LocalService | undefined): NodeView {
    const listeners = [encodeResource(TypeUrl.Listener, OUTBOUND_LISTENER_NAME, outboundListener(proxy))];
    let clusters =
      proxy.configSource.kind === 'ads' ? this.clusters : byName([...this.model.services.values()].map((s) => this.perTypeCluster(s, proxy.configSource)));
    if (local) {
      listeners.push(encodeResource(TypeUrl.Listener, INBOUND_LISTENER_NAME, inboundListener(local)));
      clusters = new Map([...clusters, [LOCAL_APP_CLUSTER, encodeResource(TypeUrl.Cluster, LOCAL_APP_CLUSTER, localAppCluster(local))]]);
    }
    const sets: Record<TypeUrl, ResourceSet> = {
      [TypeUrl.Cluster]: clusters,
      [TypeUrl.Endpoint]: this.endpoints,
      [TypeUrl.Listener]: byName(listeners),
      [TypeUrl.Route]: this.outboundRoutes,
      [TypeUrl.Secret]: EMPTY,
    };
    return { resources: (typeUrl) => sets[typeUrl], resource: (typeUrl, name) => sets[typeUrl].get(name) };
  }
}
