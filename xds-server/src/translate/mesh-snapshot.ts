import { isIP } from 'node:net';
import {
  apiListener,
  exposeCluster,
  exposeClusterName,
  exposeListener,
  exposeListenerName,
  GATEWAY_LISTENER_NAME,
  gatewayListener,
  INBOUND_LISTENER_NAME,
  ingressListener,
  ingressListenerName,
  inboundListener,
  LOCAL_APP_CLUSTER,
  localAppCluster,
  localBindListener,
  localBindListenerName,
  OUTBOUND_LISTENER_NAME,
  outboundListener,
} from './listener.translator';
import { serviceCluster, subsetCluster } from './cluster.translator';
import { grpcNeedsOwnCluster } from './cluster-policy';
import { callerOverride, callerPolicy } from './caller-upstreams';
import { emptyPolicy } from './config-entry-policy';
import { serviceLoadAssignment, subsetLoadAssignment } from './endpoint.translator';
import { gatewayName, gatewayPort, gatewayRoutes } from './gateway';
import { localBinds } from './local-bind';
import { callerRules } from './caller-authorization';
import { callersUseTls, meshIdentity, mtlsMode } from './mtls';
import { IDENTITY_SECRET_NAME, identitySecret, ROOTS_SECRET_NAME, rootsSecret } from './secret.translator';
import type { MeshIdentity } from './tls-context';
import type { ConnectSidecar, GatewayRegistration, LocalService, MeshModel, ProxyIdentity, ServiceEndpoint } from './model';
import { localServiceFor, localTimeouts } from './local-service';
import {
  GATEWAY_ROUTE_NAME,
  gatewayRouteConfiguration,
  ingressRouteConfiguration,
  ingressRouteName,
  outboundDomains,
  outboundScope,
  outboundScopeName,
  upstreamRouteConfiguration,
  upstreamRouteName,
} from './route.translator';
import { subsetClusterName, subsetEndpoints } from './subset';
import type { TrafficPolicyModel, UpstreamOverrideModel } from './policy-model';
import { hcmTracing, TRACING_CLUSTER, tracingCluster, tracingServiceName, type TracingModel } from './tracing';
import { ADS, configSourceKey, type ConfigSourceRef } from './config-source';
import { EncodeCache } from '../resources/encode-cache';
import { GrpcView } from './grpc-view';
import { policyKey, subsetKey } from './policy-dependencies';
import { encodeResource } from '../resources/resource-encoder';
import type { Resource } from '../resources/resource';
import type { NodeView } from '../resources/node-view';
import { ResourceIndex } from '../resources/resource-index';
import { TypeUrl } from '../resources/type-url';

/** A cluster of the snapshot, encoded for ADS up front and per config source on demand. */
interface ClusterSpec {
  name: string;
  /** The service the cluster belongs to. */
  service: string;
  policy: TrafficPolicyModel | undefined;
  deps: readonly unknown[];
  /** The cluster as `policy` shapes it: the service's own, or a caller's variant of it. */
  message(source: ConfigSourceRef, policy: TrafficPolicyModel | undefined): object;
}

/** The snapshot's SDS secrets: one trust bundle, and one `identity` per service with a leaf. */
interface Secrets {
  roots: Resource | undefined;
  /** By service: the `identity` secret a proxy fronting that service gets. */
  identities: ReadonlyMap<string, Resource>;
}

/** The indexes every view of a snapshot shares; each records what changed since the previous snapshot's. */
interface SharedIndexes {
  /** Every service and subset cluster, plus the trace collector's, for proxies on ADS. */
  clusters: ResourceIndex;
  /** The same for proxies on the per-type services, by config source; built on first use. */
  perTypeClusters: Map<string, ResourceIndex>;
  /** What proxyless gRPC clients get: only balancers they support. */
  grpcClusters: ResourceIndex;
  endpoints: ResourceIndex;
  apiListeners: ResourceIndex;
  /** `upstream:<service>` for every service: the outbound scopes and the local bind ports point at them. */
  serviceRoutes: ResourceIndex;
  /** The outbound listener's SRDS scopes, one per Host a service answers to. */
  outboundScopes: ResourceIndex;
  gatewayRoutes: ResourceIndex;
}

/** Slots of clusters encoded lazily for proxies on the per-type services. */
const PER_TYPE_SLOT = 'cds@';
/** Slots of the resources only one view has (its listeners, its local_app cluster). */
const VIEW_SLOT = 'view@';

function byName(resources: Iterable<Resource>): Map<string, Resource> {
  return new Map(Array.from(resources, (r) => [r.name, r]));
}

/**
 * The encoded resources for one state of the mesh. Building the next snapshot reuses every
 * encoded resource whose inputs did not change: a ServiceModel that is the same object, a
 * policy whose relevant part has the same content. An endpoint change re-encodes one
 * service's ClusterLoadAssignments, a policy change that service's clusters and the route
 * configurations embedding its routes, and nothing else. Per-proxy views are built on
 * first use and shared by proxies with the same identity key; their indexes lay the proxy's
 * own resources over the shared ones, so what changed is known per view without comparing
 * everything (see ResourceIndex.changedSince).
 */
export class MeshSnapshot {
  private readonly views = new Map<string, NodeView>();

  private constructor(
    readonly model: MeshModel,
    private readonly cache: EncodeCache,
    private readonly clusterSpecs: readonly ClusterSpec[],
    private readonly shared: SharedIndexes,
    private readonly previousShared: SharedIndexes | undefined,
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
      const deps = [service.protocol, policyKey(policy, 'cluster'), tls ? `${mode}|${tls.trustDomain}|${tls.datacenter}` : 'off'];
      specs.push({ name: service.name, service: service.name, policy, deps, message: (source, shaping) => serviceCluster(service, { policy: shaping, source, tls }) });
      for (const subset of policy?.subsets ?? []) {
        const name = subsetClusterName(service.name, subset.name);
        specs.push({ name, service: service.name, policy, deps, message: (source, shaping) => subsetCluster(service, subset, { policy: shaping, source, tls }) });
        const failover = failoverLevels(model, policy, subset.name);
        endpoints.push(
          cache.resource(`eds|${name}`, [service, subsetKey(subset), ...failover.deps], () => encodeResource(TypeUrl.Endpoint, name, subsetLoadAssignment(service, subset, failover.levels))),
        );
      }
      const failover = failoverLevels(model, policy, undefined);
      endpoints.push(cache.resource(`eds|${service.name}`, [service, ...failover.deps], () => encodeResource(TypeUrl.Endpoint, service.name, serviceLoadAssignment(service, failover.levels))));
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
    const adsClusters = specs.map((spec) => clusterResource(cache, spec, ADS));
    const collector = model.tracing && collectorResource(cache, model.tracing);
    const grpcOwn = byName(grpcClusters);
    const before = previous?.shared;
    const shared: SharedIndexes = {
      clusters: ResourceIndex.next(before?.clusters, collector ? [...adsClusters, collector] : adsClusters),
      perTypeClusters: new Map(),
      grpcClusters: ResourceIndex.next(
        before?.grpcClusters,
        adsClusters.filter((c) => model.services.has(c.name)).map((c) => grpcOwn.get(c.name) ?? c),
      ),
      endpoints: ResourceIndex.next(before?.endpoints, endpoints),
      apiListeners: ResourceIndex.next(before?.apiListeners, apiListeners),
      serviceRoutes: ResourceIndex.next(before?.serviceRoutes, serviceRouteResources(model, cache)),
      outboundScopes: ResourceIndex.next(before?.outboundScopes, outboundScopeResources(model, cache)),
      gatewayRoutes: ResourceIndex.next(before?.gatewayRoutes, [gatewayRouteResource(model, cache)]),
    };
    const snapshot = new MeshSnapshot(
      model,
      cache,
      specs,
      shared,
      before,
      collector,
      secretResources(model, cache),
      identity,
    );
    cache.carry((slot) => (slot.startsWith(PER_TYPE_SLOT) && shared.clusters.has(slot.slice(slot.indexOf('|') + 1))) || slot.startsWith(VIEW_SLOT));
    return snapshot;
  }

  /** Every cluster of the snapshot for proxies on ADS. */
  get clusters(): ResourceIndex {
    return this.shared.clusters;
  }

  get endpoints(): ResourceIndex {
    return this.shared.endpoints;
  }

  get apiListeners(): ResourceIndex {
    return this.shared.apiListeners;
  }

  /** Every SDS secret of the snapshot: `roots`, and one `identity` per service (what /metrics counts). */
  get secretCount(): number {
    return (this.secrets.roots ? 1 : 0) + this.secrets.identities.size;
  }

  /** Every route configuration of the snapshot. */
  get routes(): ReadonlyMap<string, Resource> {
    return new Map([...this.shared.serviceRoutes, ...this.shared.gatewayRoutes]);
  }

  /** The outbound listener's scopes. */
  get outboundScopes(): ResourceIndex {
    return this.shared.outboundScopes;
  }

  /**
   * What one proxy may be sent, built once per snapshot for every proxy with the same
   * identity. `instanceId` names the catalog instance a sidecar fronts (node metadata
   * `service_instance_id`); its inbound listener follows that instance.
   */
  viewFor(proxy: ProxyIdentity, instanceId: string | undefined): NodeView {
    const key = this.viewKey(proxy, instanceId);
    let view = this.views.get(key);
    if (!view) {
      const connect = this.connectSidecarOf(proxy);
      const gateway = this.gatewayRegistrationOf(proxy);
      if (proxy.kind === 'grpc') view = this.grpcView();
      else if (connect) view = this.connectView(key, proxy, connect);
      else if (gateway) view = this.consulGatewayView(key, proxy, gateway);
      else if (proxy.service === gatewayName(this.model)) view = this.gatewayView(key, proxy);
      else view = this.envoyView(key, proxy, localServiceFor(this.model, proxy.service, instanceId));
      this.views.set(key, view);
    }
    return view;
  }

  /** Proxies with the same key get the same view. */
  viewKey(proxy: ProxyIdentity, instanceId: string | undefined): string {
    if (proxy.kind === 'grpc') return 'grpc';
    if (this.connectSidecarOf(proxy)) return ['connect', configSourceKey(proxy.configSource), proxy.service, proxy.id].join('|');
    if (this.gatewayRegistrationOf(proxy)) return ['consul-gateway', configSourceKey(proxy.configSource), proxy.service, proxy.id].join('|');
    return ['envoy', configSourceKey(proxy.configSource), `${proxy.outboundAddress}:${proxy.outboundPort}`, proxy.service, proxy.gatewayPort ?? '', instanceId ?? ''].join('|');
  }

  /**
   * The Connect registration an Envoy started by `consul connect envoy` stands for: node.id is
   * the proxy's service ID, node.cluster its destination. Both must agree, since the stream was
   * authorized for node.cluster only.
   */
  private connectSidecarOf(proxy: ProxyIdentity): ConnectSidecar | undefined {
    if (proxy.kind !== 'envoy') return undefined;
    const sidecar = this.model.connectProxies?.get(proxy.id);
    return sidecar?.service === proxy.service ? sidecar : undefined;
  }

  /** The Consul gateway registration an Envoy started by `consul connect envoy -gateway` stands for: node.id its service ID, node.cluster its name. */
  private gatewayRegistrationOf(proxy: ProxyIdentity): GatewayRegistration | undefined {
    if (proxy.kind !== 'envoy') return undefined;
    const gateway = this.model.gateways?.get(proxy.id);
    return gateway?.service === proxy.service ? gateway : undefined;
  }

  /** Service clusters for a config source, plus the trace collector's when tracing is on. */
  private clustersFor(source: ConfigSourceRef): ResourceIndex {
    if (source.kind === 'ads') return this.shared.clusters;
    const key = configSourceKey(source);
    let clusters = this.shared.perTypeClusters.get(key);
    if (!clusters) {
      const encoded = this.clusterSpecs.map((spec) => clusterResource(this.cache, spec, source));
      clusters = ResourceIndex.next(this.previousShared?.perTypeClusters.get(key), this.collector ? [...encoded, this.collector] : encoded);
      this.shared.perTypeClusters.set(key, clusters);
    }
    return clusters;
  }

  /** `roots`, and `identity` = the leaf of the proxy's own service, once the CA has issued it. */
  private secretsFor(service: string): ResourceIndex {
    const secrets = new Map<string, Resource>();
    if (this.secrets.roots) secrets.set(ROOTS_SECRET_NAME, this.secrets.roots);
    const own = this.secrets.identities.get(service);
    if (own) secrets.set(IDENTITY_SECRET_NAME, own);
    return new ResourceIndex(secrets);
  }

  /** One resource only this view has, encoded again only when its content key changes. */
  private own(view: string, typeUrl: TypeUrl, name: string, inputs: unknown, message: () => object): Resource {
    return this.cache.resource(`${VIEW_SLOT}${view}|${typeUrl}|${name}`, [JSON.stringify(inputs)], () => encodeResource(typeUrl, name, message()));
  }

  private grpcView(): NodeView {
    return new GrpcView({
      [TypeUrl.Cluster]: this.shared.grpcClusters,
      [TypeUrl.Endpoint]: this.shared.endpoints,
      [TypeUrl.Listener]: this.shared.apiListeners,
      [TypeUrl.ScopedRoute]: ResourceIndex.EMPTY,
      [TypeUrl.Route]: ResourceIndex.EMPTY,
      [TypeUrl.Secret]: ResourceIndex.EMPTY,
    });
  }

  /** A gateway gets every service cluster and its public listener; no inbound or outbound listener. */
  private gatewayView(key: string, proxy: ProxyIdentity): NodeView {
    const port = gatewayPort(this.model, proxy.gatewayPort);
    const tracing = hcmTracing(this.model.tracing, tracingServiceName(proxy.service, 'gateway'));
    const listener = this.own(key, TypeUrl.Listener, GATEWAY_LISTENER_NAME, [port, proxy.configSource, tracing], () => gatewayListener(port, proxy.configSource, tracing));
    return staticView({
      [TypeUrl.Cluster]: this.clustersFor(proxy.configSource),
      [TypeUrl.Endpoint]: this.shared.endpoints,
      [TypeUrl.Listener]: ResourceIndex.of([listener]),
      [TypeUrl.ScopedRoute]: ResourceIndex.EMPTY,
      [TypeUrl.Route]: this.shared.gatewayRoutes,
      [TypeUrl.Secret]: this.secretsFor(proxy.service),
    });
  }

  /**
   * What a Consul gateway's Envoy gets. An ingress gateway: one listener per listener of its
   * `ingress-gateway` entry, on its registration's address, each routing by Host to the services
   * it publishes with their own routes, to their sidecars as the caller named after the gateway
   * (over mTLS where the destination's mode has it). Other kinds are not served (README, "Coming from Consul Connect"): no listeners,
   * rather than a sidecar's, and `mesh status` says so.
   */
  private consulGatewayView(key: string, proxy: ProxyIdentity, gateway: GatewayRegistration): NodeView {
    const tracing = hcmTracing(this.model.tracing, tracingServiceName(proxy.service, 'gateway'));
    const entry = gateway.kind === 'ingress-gateway' ? this.model.ingressGateways?.get(gateway.service) : undefined;
    const address = isIP(gateway.address) ? gateway.address : '0.0.0.0';
    const listeners: Resource[] = [];
    const routes: Resource[] = [];
    const ownClusters = new Map<string, Resource>();
    // The entry's limits and passive health checks shape the gateway's own copies of the clusters.
    const registered = new Map<string, UpstreamOverrideModel>();
    for (const { service } of entry?.listeners.flatMap((l) => l.services) ?? []) {
      const override = callerOverride(entry?.upstreams, service);
      if (override) registered.set(service, override);
    }
    this.addCallerClusters(key, proxy, ownClusters, registered);
    for (const listener of entry?.listeners ?? []) {
      if (listener.services.length === 0) continue;
      const name = ingressListenerName(address, listener);
      listeners.push(this.own(key, TypeUrl.Listener, name, [address, listener, proxy.configSource, tracing], () => ingressListener(address, listener, proxy.configSource, tracing)));
      if (listener.protocol === 'tcp') continue;
      const policies = this.model.config?.policies;
      const inputs = [listener, listener.services.map((s) => [this.model.services.get(s.service)?.protocol, policyKey(policies?.get(s.service), 'route')])];
      routes.push(this.own(key, TypeUrl.Route, ingressRouteName(listener.port), inputs, () => ingressRouteConfiguration(listener, this.model.services, policies)));
    }
    return staticView({
      [TypeUrl.Cluster]: this.clustersFor(proxy.configSource).with(ownClusters),
      [TypeUrl.Endpoint]: this.shared.endpoints,
      [TypeUrl.Listener]: ResourceIndex.of(listeners),
      [TypeUrl.ScopedRoute]: ResourceIndex.EMPTY,
      [TypeUrl.Route]: ResourceIndex.of(routes),
      [TypeUrl.Secret]: this.secretsFor(proxy.service),
    });
  }

  /** The inbound listener of the proxy's own service (mTLS and RBAC as its destination policy says) and its local_app cluster. */
  private addInbound(key: string, proxy: ProxyIdentity, local: LocalService, tracing: object, listeners: Resource[], ownClusters: Map<string, Resource>): void {
    const mode = mtlsMode(this.model.config, local.name);
    const mtls =
      this.identity && mode !== 'off' ? { mode, ...callerRules(this.model, local.name), identity: this.identity, configSource: proxy.configSource } : undefined;
    listeners.push(this.own(key, TypeUrl.Listener, INBOUND_LISTENER_NAME, [local, tracing, mtls], () => inboundListener(local, tracing, mtls)));
    ownClusters.set(LOCAL_APP_CLUSTER, this.own(key, TypeUrl.Cluster, LOCAL_APP_CLUSTER, local, () => localAppCluster(local)));
  }

  /**
   * The proxy's own copies of the clusters its service's UpstreamConfig shapes (Consul applies
   * it on the caller's side): same names, so its routes need no change.
   */
  private addCallerClusters(key: string, proxy: ProxyIdentity, ownClusters: Map<string, Resource>, registered?: ReadonlyMap<string, UpstreamOverrideModel>): void {
    if (!this.model.config?.callerUpstreams?.has(proxy.service) && !registered?.size) return;
    for (const spec of this.clusterSpecs) {
      const policy = callerPolicy(this.model.config, proxy.service, spec.service, spec.policy ?? emptyPolicy(spec.service), registered?.get(spec.service));
      if (!policy) continue;
      const inputs = [spec.deps, policy.connectTimeoutMs, policy.circuitBreaker, policy.outlierDetection, proxy.configSource];
      ownClusters.set(spec.name, this.own(key, TypeUrl.Cluster, spec.name, inputs, () => spec.message(proxy.configSource, policy)));
    }
  }

  private envoyView(key: string, proxy: ProxyIdentity, local: LocalService | undefined): NodeView {
    const tracing = hcmTracing(this.model.tracing, tracingServiceName(proxy.service, 'sidecar'));
    const listeners = [this.own(key, TypeUrl.Listener, OUTBOUND_LISTENER_NAME, [proxy, tracing], () => outboundListener(proxy, tracing))];
    const ownClusters = new Map<string, Resource>();
    this.addCallerClusters(key, proxy, ownClusters);
    if (local) this.addInbound(key, proxy, local, tracing, listeners, ownClusters);
    for (const bind of localBinds(this.model, proxy.service)) {
      const name = bind.service.name;
      const inputs = [name, bind.service.protocol, bind.port, proxy.configSource, tracing];
      listeners.push(this.own(key, TypeUrl.Listener, localBindListenerName(name), inputs, () => localBindListener(name, bind.service.protocol, bind.port, proxy.configSource, tracing)));
    }
    return staticView({
      [TypeUrl.Cluster]: this.clustersFor(proxy.configSource).with(ownClusters),
      [TypeUrl.Endpoint]: this.shared.endpoints,
      [TypeUrl.Listener]: ResourceIndex.of(listeners),
      [TypeUrl.ScopedRoute]: this.shared.outboundScopes,
      [TypeUrl.Route]: this.shared.serviceRoutes,
      [TypeUrl.Secret]: this.secretsFor(proxy.service),
    });
  }

  /**
   * What Consul's own xDS server gives a sidecar: the public listener on the registration's
   * port, one listener per upstream on its local bind address, and the exposed paths. No
   * outbound listener: several Connect sidecars usually share a host, and each would bind it.
   */
  private connectView(key: string, proxy: ProxyIdentity, sidecar: ConnectSidecar): NodeView {
    const tracing = hcmTracing(this.model.tracing, tracingServiceName(proxy.service, 'sidecar'));
    const listeners: Resource[] = [];
    const ownClusters = new Map<string, Resource>();
    const registered = new Map(sidecar.upstreams.flatMap((u) => (u.override ? [[u.service, u.override] as const] : [])));
    this.addCallerClusters(key, proxy, ownClusters, registered);
    const protocol = this.model.services.get(sidecar.service)?.protocol ?? 'http';
    if (sidecar.local.port !== undefined) {
      const local: LocalService = {
        name: sidecar.service,
        sidecarPort: sidecar.publicPort,
        appAddress: sidecar.local.address,
        appPort: sidecar.local.port,
        protocol,
        ...localTimeouts(this.model.config, sidecar.service, sidecar.localTimeouts),
      };
      this.addInbound(key, proxy, local, tracing, listeners, ownClusters);
    }
    const bound = new Set<string>();
    for (const upstream of sidecar.upstreams) {
      const service = this.model.services.get(upstream.service);
      // As with the DSL's local binds, the listener waits for the service's cluster.
      if (!service || bound.has(service.name)) continue;
      bound.add(service.name);
      const inputs = [upstream, service.protocol, proxy.configSource, tracing];
      listeners.push(
        this.own(key, TypeUrl.Listener, localBindListenerName(service.name), inputs, () =>
          localBindListener(service.name, service.protocol, upstream.port, proxy.configSource, tracing, upstream.address),
        ),
      );
    }
    for (const expose of sidecar.expose) {
      listeners.push(this.own(key, TypeUrl.Listener, exposeListenerName(expose.port), expose, () => exposeListener(expose)));
      for (const path of expose.paths) {
        const name = exposeClusterName(path.localPathPort, path.protocol);
        if (!ownClusters.has(name)) ownClusters.set(name, this.own(key, TypeUrl.Cluster, name, path, () => exposeCluster(path.localPathPort, path.protocol)));
      }
    }
    return staticView({
      [TypeUrl.Cluster]: this.clustersFor(proxy.configSource).with(ownClusters),
      [TypeUrl.Endpoint]: this.shared.endpoints,
      [TypeUrl.Listener]: ResourceIndex.of(listeners),
      [TypeUrl.ScopedRoute]: ResourceIndex.EMPTY,
      [TypeUrl.Route]: this.shared.serviceRoutes,
      [TypeUrl.Secret]: this.secretsFor(proxy.service),
    });
  }
}

/**
 * The endpoints a cluster fails over to, one list per priority, and what they depend on: the
 * target services' models (the same object while unchanged) and the subsets that select them.
 */
function failoverLevels(model: MeshModel, policy: TrafficPolicyModel | undefined, subset: string | undefined): { levels: Array<readonly ServiceEndpoint[]>; deps: unknown[] } {
  const entry = (subset === undefined ? undefined : policy?.failover.find((f) => f.subset === subset)) ?? policy?.failover.find((f) => f.subset === '*');
  if (!entry) return { levels: [], deps: [] };
  const levels: Array<readonly ServiceEndpoint[]> = [];
  const deps: unknown[] = [policyKey(policy, 'endpoint')];
  for (const target of entry.targets) {
    const service = model.services.get(target.service);
    const selector = target.subset === undefined ? undefined : model.config?.policies.get(target.service)?.subsets.find((s) => s.name === target.subset);
    deps.push(service, selector && subsetKey(selector));
    levels.push(!service ? [] : selector ? subsetEndpoints(service, selector) : service.endpoints);
  }
  return { levels, deps };
}

function staticView(sets: Readonly<Record<TypeUrl, ResourceIndex>>): NodeView {
  return { resources: (typeUrl) => sets[typeUrl], resource: (typeUrl, name) => sets[typeUrl].get(name) };
}

function clusterResource(cache: EncodeCache, spec: ClusterSpec, source: ConfigSourceRef): Resource {
  const slot = source.kind === 'ads' ? `cds|${spec.name}` : `${PER_TYPE_SLOT}${configSourceKey(source)}|${spec.name}`;
  return cache.resource(slot, spec.deps, () => encodeResource(TypeUrl.Cluster, spec.name, spec.message(source, spec.policy)));
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

/** `upstream:<service>` for every service in the catalog, re-encoded only when its route policy changes. */
function serviceRouteResources(model: MeshModel, cache: EncodeCache): Resource[] {
  return [...model.services.values()].map((service) => {
    const policy = model.config?.policies.get(service.name);
    return cache.resource(`rds|${upstreamRouteName(service.name)}`, [policyKey(policy, 'route')], () =>
      encodeResource(TypeUrl.Route, upstreamRouteName(service.name), upstreamRouteConfiguration(service, policy)),
    );
  });
}

/** One scope per Host of every service; they depend on nothing but the service's name. */
function outboundScopeResources(model: MeshModel, cache: EncodeCache): Resource[] {
  return [...model.services.keys()].flatMap((service) =>
    outboundDomains(service).map((domain) =>
      cache.resource(`srds|${domain}`, [service], () => encodeResource(TypeUrl.ScopedRoute, outboundScopeName(domain), outboundScope(service, domain))),
    ),
  );
}

function gatewayRouteResource(model: MeshModel, cache: EncodeCache): Resource {
  const routes = gatewayRoutes(model).filter((r) => model.services.has(r.service));
  return cache.resource(`rds|${GATEWAY_ROUTE_NAME}`, [JSON.stringify(routes)], () =>
    encodeResource(TypeUrl.Route, GATEWAY_ROUTE_NAME, gatewayRouteConfiguration(routes, model.services)),
  );
}
