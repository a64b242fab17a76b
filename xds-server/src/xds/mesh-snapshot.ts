import {
  apiListener,
  GATEWAY_LISTENER_NAME,
  gatewayListener,
  INBOUND_LISTENER_NAME,
  inboundListener,
  LOCAL_APP_CLUSTER,
  localAppCluster,
  localBindListener,
  localBindListenerName,
  OUTBOUND_LISTENER_NAME,
  outboundListener,
} from '../translate/listener.translator';
import { serviceCluster, subsetCluster } from '../translate/cluster.translator';
import { grpcNeedsOwnCluster } from '../translate/cluster-policy';
import { serviceLoadAssignment, subsetLoadAssignment } from '../translate/endpoint.translator';
import { gatewayName, gatewayPort, gatewayRoutes } from '../translate/gateway';
import { localBinds } from '../translate/local-bind';
import { callersUseTls, meshIdentity, mtlsMode } from '../translate/mtls';
import { IDENTITY_SECRET_NAME, identitySecret, ROOTS_SECRET_NAME, rootsSecret } from '../translate/secret.translator';
import type { MeshIdentity } from '../translate/tls-context';
import type { LocalService, MeshModel, ProxyIdentity } from '../translate/model';
import {
  GATEWAY_ROUTE_NAME,
  gatewayRouteConfiguration,
  OUTBOUND_ROUTE_NAME,
  outboundRouteConfiguration,
  upstreamRouteConfiguration,
  upstreamRouteName,
} from '../translate/route.translator';
import { subsetClusterName } from '../translate/subset';
import { hcmTracing, TRACING_CLUSTER, tracingCluster, tracingServiceName, type TracingModel } from '../translate/tracing';
import { ADS, configSourceKey, type ConfigSourceRef } from '../translate/config-source';
import { EncodeCache } from './encode-cache';
import { GrpcView } from './grpc-view';
import { clusterKey, routeKey, subsetKey } from './policy-keys';
import { encodeResource } from './resource-encoder';
import type { NodeView, Resource, ResourceSet } from './resource';
import { TypeUrl } from './type-url';

/** A cluster of the snapshot, encoded for ADS up front and per config source on demand. */
interface ClusterSpec {
  name: string;
  /** The service the cluster belongs to. */
  service: string;
  deps: readonly unknown[];
  message(source: ConfigSourceRef): object;
}

const EMPTY: ResourceSet = new Map();

/** The snapshot's SDS secrets: one trust bundle, and one `identity` per service with a leaf. */
interface Secrets {
  roots: Resource | undefined;
  /** By service: the `identity` secret a proxy fronting that service gets. */
  identities: ReadonlyMap<string, Resource>;
}

/** Slots of clusters encoded lazily for proxies on the per-type services. */
const PER_TYPE_SLOT = 'cds@';

function byName(resources: Iterable<Resource>): ResourceSet {
  return new Map([...resources].map((r) => [r.name, r]));
}

/**
 * The encoded resources for one state of the mesh. Building the next snapshot reuses every
 * encoded resource whose inputs did not change: a ServiceModel that is the same object, a
 * policy whose relevant part has the same content. An endpoint change re-encodes one
 * service's ClusterLoadAssignments, a policy change that service's clusters and the route
 * configurations embedding its routes, and nothing else. Per-proxy views are built on
 * first use and shared by proxies with the same identity key.
 */
export class MeshSnapshot {
  private readonly views = new Map<string, NodeView>();

  private constructor(
    readonly model: MeshModel,
    private readonly cache: EncodeCache,
    private readonly clusterSpecs: readonly ClusterSpec[],
    /** Every service and subset cluster, for proxies on ADS. */
    readonly clusters: ResourceSet,
    /** What proxyless gRPC clients get: only balancers they support. */
    private readonly grpcClusters: ResourceSet,
    readonly endpoints: ResourceSet,
    readonly outboundRoutes: ResourceSet,
    /** `upstream:<service>` for every service some caller binds to a local port. */
    readonly upstreamRoutes: ResourceSet,
    readonly gatewayRoutes: ResourceSet,
    readonly apiListeners: ResourceSet,
    /** The trace collector's cluster, when tracing is on. */
    private readonly collector: Resource | undefined,
    private readonly secrets: Secrets,
    /** Where SPIFFE IDs live; undefined until the CA snapshot has a leaf (then every mode acts as `off`). */
    private readonly identity: MeshIdentity | undefined,
  ) {}

  static build(model: MeshModel, previous?: MeshSnapshot): MeshSnapshot {
    const cache = previous ? previous.cache.next() : new EncodeCache();
    const policies = model.config?.policies;
    const specs: ClusterSpec[] = [];
    const grpcClusters: Resource[] = [];
    const endpoints: Resource[] = [];
    const apiListeners: Resource[] = [];
    const identity = meshIdentity(model.ca);
    for (const service of model.services.values()) {
      const policy = policies?.get(service.name);
      const mode = mtlsMode(model.config, service.name);
      const tls = identity && callersUseTls(mode) ? identity : undefined;
      const deps = [service.protocol, clusterKey(policy), tls ? `${mode}|${tls.trustDomain}|${tls.datacenter}` : 'off'];
      specs.push({ name: service.name, service: service.name, deps, message: (source) => serviceCluster(service, { policy, source, tls }) });
      for (const subset of policy?.subsets ?? []) {
        const name = subsetClusterName(service.name, subset.name);
        specs.push({ name, service: service.name, deps, message: (source) => subsetCluster(service, subset, { policy, source, tls }) });
        endpoints.push(cache.resource(`eds|${name}`, [service, subsetKey(subset)], () => encodeResource(TypeUrl.Endpoint, name, subsetLoadAssignment(service, subset))));
      }
      endpoints.push(cache.resource(`eds|${service.name}`, [service], () => encodeResource(TypeUrl.Endpoint, service.name, serviceLoadAssignment(service))));
      apiListeners.push(cache.resource(`lds-api|${service.name}`, [], () => encodeResource(TypeUrl.Listener, service.name, apiListener(service.name, service.name))));
      // Proxyless gRPC clients take TLS only from certificate providers in their bootstrap, not
      // from SDS (@grpc/grpc-js-xds rejects the cluster), so they get a plaintext copy: they reach
      // `permissive` and `off` destinations, and a `strict` one refuses them.
      if (grpcNeedsOwnCluster(policy) || tls) {
        grpcClusters.push(
          cache.resource(`cds-grpc|${service.name}`, deps, () => encodeResource(TypeUrl.Cluster, service.name, serviceCluster(service, { policy, client: 'grpc' }))),
        );
      }
    }
    const clusters = byName(specs.map((spec) => clusterResource(cache, spec, ADS)));
    const grpcOwn = byName(grpcClusters);
    const outboundKey = [...model.services.keys()].map((name) => `${name}:${routeKey(policies?.get(name))}`).join('\n');
    const outbound = cache.resource(`rds|${OUTBOUND_ROUTE_NAME}`, [outboundKey], () =>
      encodeResource(TypeUrl.Route, OUTBOUND_ROUTE_NAME, outboundRouteConfiguration(model)),
    );
    const snapshot = new MeshSnapshot(
      model,
      cache,
      specs,
      clusters,
      new Map([...model.services.keys()].map((name) => [name, grpcOwn.get(name) ?? (clusters.get(name) as Resource)])),
      byName(endpoints),
      byName([outbound]),
      byName(upstreamRoutes(model, cache)),
      byName([gatewayRouteResource(model, cache)]),
      byName(apiListeners),
      model.tracing && collectorResource(cache, model.tracing),
      secretResources(model, cache),
      identity,
    );
    cache.carry((slot) => slot.startsWith(PER_TYPE_SLOT) && clusters.has(slot.slice(slot.indexOf('|') + 1)));
    return snapshot;
  }

  /** Every SDS secret of the snapshot: `roots`, and one `identity` per service (what /metrics counts). */
  get secretCount(): number {
    return (this.secrets.roots ? 1 : 0) + this.secrets.identities.size;
  }

  /** Every route configuration of the snapshot. */
  get routes(): ResourceSet {
    return new Map([...this.outboundRoutes, ...this.upstreamRoutes, ...this.gatewayRoutes]);
  }

  /** What one proxy may be sent. `local` is the proxy's own service, when the catalog knows it. */
  viewFor(proxy: ProxyIdentity, local: LocalService | undefined): NodeView {
    const key =
      proxy.kind === 'grpc'
        ? 'grpc'
        : [
            'envoy',
            configSourceKey(proxy.configSource),
            `${proxy.outboundAddress}:${proxy.outboundPort}`,
            proxy.service,
            proxy.gatewayPort ?? '',
            local ? JSON.stringify(local) : '',
          ].join('|');
    let view = this.views.get(key);
    if (!view) {
      if (proxy.kind === 'grpc') view = this.grpcView();
      else if (proxy.service === gatewayName(this.model)) view = this.gatewayView(proxy);
      else view = this.envoyView(proxy, local);
      this.views.set(key, view);
    }
    return view;
  }

  /** Service clusters for a config source, plus the trace collector's when tracing is on. */
  private clustersFor(source: ConfigSourceRef): ResourceSet {
    const clusters = source.kind === 'ads' ? this.clusters : byName(this.clusterSpecs.map((spec) => clusterResource(this.cache, spec, source)));
    return this.collector ? new Map([...clusters, [TRACING_CLUSTER, this.collector]]) : clusters;
  }

  /** `roots`, and `identity` = the leaf of the proxy's own service, once the CA has issued it. */
  private secretsFor(service: string): ResourceSet {
    const secrets = new Map<string, Resource>();
    if (this.secrets.roots) secrets.set(ROOTS_SECRET_NAME, this.secrets.roots);
    const own = this.secrets.identities.get(service);
    if (own) secrets.set(IDENTITY_SECRET_NAME, own);
    return secrets;
  }

  private grpcView(): NodeView {
    return new GrpcView({
      [TypeUrl.Cluster]: this.grpcClusters,
      [TypeUrl.Endpoint]: this.endpoints,
      [TypeUrl.Listener]: this.apiListeners,
      [TypeUrl.Route]: EMPTY,
      [TypeUrl.Secret]: EMPTY,
    });
  }

  /** A gateway gets every service cluster and its public listener; no inbound or outbound listener. */
  private gatewayView(proxy: ProxyIdentity): NodeView {
    const port = gatewayPort(this.model, proxy.gatewayPort);
    const tracing = hcmTracing(this.model.tracing, tracingServiceName(proxy.service, 'gateway'));
    return staticView({
      [TypeUrl.Cluster]: this.clustersFor(proxy.configSource),
      [TypeUrl.Endpoint]: this.endpoints,
      [TypeUrl.Listener]: byName([encodeResource(TypeUrl.Listener, GATEWAY_LISTENER_NAME, gatewayListener(port, proxy.configSource, tracing))]),
      [TypeUrl.Route]: this.gatewayRoutes,
      [TypeUrl.Secret]: this.secretsFor(proxy.service),
    });
  }

  private envoyView(proxy: ProxyIdentity, local: LocalService | undefined): NodeView {
    const tracing = hcmTracing(this.model.tracing, tracingServiceName(proxy.service, 'sidecar'));
    const listeners = [encodeResource(TypeUrl.Listener, OUTBOUND_LISTENER_NAME, outboundListener(proxy, tracing))];
    let clusters = this.clustersFor(proxy.configSource);
    if (local) {
      const mode = mtlsMode(this.model.config, local.name);
      const mtls =
        this.identity && mode !== 'off'
          ? { mode, allowedCallers: this.model.config?.policies.get(local.name)?.allowedCallers, identity: this.identity, configSource: proxy.configSource }
          : undefined;
      listeners.push(encodeResource(TypeUrl.Listener, INBOUND_LISTENER_NAME, inboundListener(local, tracing, mtls)));
      clusters = new Map([...clusters, [LOCAL_APP_CLUSTER, encodeResource(TypeUrl.Cluster, LOCAL_APP_CLUSTER, localAppCluster(local))]]);
    }
    const routes = [...this.outboundRoutes.values()];
    for (const bind of localBinds(this.model, proxy.service)) {
      const name = bind.service.name;
      listeners.push(encodeResource(TypeUrl.Listener, localBindListenerName(name), localBindListener(name, bind.service.protocol, bind.port, proxy.configSource, tracing)));
      const route = this.upstreamRoutes.get(upstreamRouteName(name));
      if (bind.service.protocol !== 'tcp' && route) routes.push(route);
    }
    return staticView({
      [TypeUrl.Cluster]: clusters,
      [TypeUrl.Endpoint]: this.endpoints,
      [TypeUrl.Listener]: byName(listeners),
      [TypeUrl.Route]: byName(routes),
      [TypeUrl.Secret]: this.secretsFor(proxy.service),
    });
  }
}

function staticView(sets: Readonly<Record<TypeUrl, ResourceSet>>): NodeView {
  return { resources: (typeUrl) => sets[typeUrl], resource: (typeUrl, name) => sets[typeUrl].get(name) };
}

function clusterResource(cache: EncodeCache, spec: ClusterSpec, source: ConfigSourceRef): Resource {
  const slot = source.kind === 'ads' ? `cds|${spec.name}` : `${PER_TYPE_SLOT}${configSourceKey(source)}|${spec.name}`;
  return cache.resource(slot, spec.deps, () => encodeResource(TypeUrl.Cluster, spec.name, spec.message(source)));
}

/** The trust bundle is encoded once per set of roots, each `identity` once per leaf. */
function secretResources(model: MeshModel, cache: EncodeCache): Secrets {
  const ca = model.ca;
  if (!ca) return { roots: undefined, identities: new Map() };
  const roots = ca.roots.length > 0 ? cache.resource(`sds|${ROOTS_SECRET_NAME}`, [ca.roots], () => encodeResource(TypeUrl.Secret, ROOTS_SECRET_NAME, rootsSecret(ca.roots))) : undefined;
  const identities = new Map<string, Resource>();
  for (const [service, leaf] of ca.leaves) {
    identities.set(service, cache.resource(`sds-identity|${service}`, [leaf], () => encodeResource(TypeUrl.Secret, IDENTITY_SECRET_NAME, identitySecret(leaf))));
  }
  return { roots, identities };
}

function collectorResource(cache: EncodeCache, tracing: TracingModel): Resource {
  return cache.resource(`cds|${TRACING_CLUSTER}`, [JSON.stringify(tracing.collector)], () => encodeResource(TypeUrl.Cluster, TRACING_CLUSTER, tracingCluster(tracing)));
}

/** `upstream:<service>` for every service in the catalog that some caller binds to a local port. */
function upstreamRoutes(model: MeshModel, cache: EncodeCache): Resource[] {
  const bound = new Set<string>();
  for (const upstreams of model.config?.upstreams.values() ?? []) {
    for (const upstream of upstreams) if (upstream.localBindPort !== undefined && model.services.has(upstream.service)) bound.add(upstream.service);
  }
  return [...bound].sort().map((name) => {
    const service = model.services.get(name)!;
    const policy = model.config?.policies.get(name);
    return cache.resource(`rds|${upstreamRouteName(name)}`, [routeKey(policy)], () =>
      encodeResource(TypeUrl.Route, upstreamRouteName(name), upstreamRouteConfiguration(service, policy)),
    );
  });
}

function gatewayRouteResource(model: MeshModel, cache: EncodeCache): Resource {
  const routes = gatewayRoutes(model).filter((r) => model.services.has(r.service));
  return cache.resource(`rds|${GATEWAY_ROUTE_NAME}`, [JSON.stringify(routes)], () =>
    encodeResource(TypeUrl.Route, GATEWAY_ROUTE_NAME, gatewayRouteConfiguration(routes, model.services)),
  );
}
