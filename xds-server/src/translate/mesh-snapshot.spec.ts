import { ADS } from './config-source';
import { MeshSnapshot } from './mesh-snapshot';
import { messageType } from '../resources/protos';
import { TypeUrl } from '../resources/type-url';
import type { MeshModel, ProxyIdentity, ServiceModel } from './model';
import type { MeshConfigModel, TrafficPolicyModel, UpstreamModel } from './policy-model';
import { policy, route, SAFE_RETRY_DECODED } from './policy-fixtures.spec-helper';
import { decodeResource, type Decoded } from '../resources/decode.spec-helper';
import type { NodeView } from '../resources/node-view';

function service(name: string, ports: number[]): ServiceModel {
  return {
    name,
    protocol: 'http',
    endpoints: ports.map((port) => ({ id: `${name}-${port}`, address: '127.0.0.1', port, appPort: port, sidecarPort: undefined, health: 'passing' as const, weight: 1, tags: [], meta: {} })),
  };
}

function model(...services: ServiceModel[]): MeshModel {
  return { services: new Map(services.map((s) => [s.name, s])) };
}

const sidecar = (id: string, outboundPort = 15001): ProxyIdentity => ({
  id,
  service: 'client',
  kind: 'envoy',
  outboundAddress: '127.0.0.1',
  outboundPort,
  configSource: ADS,
});

function decode<T>(typeUrl: TypeUrl, bytes: Buffer): T {
  const type = messageType(typeUrl);
  return type.toObject(type.decode(bytes), { enums: String, longs: Number, defaults: false }) as T;
}

describe('MeshSnapshot', () => {
  it('encodes each resource once and shares the bytes between proxies and across snapshots', () => {
    const echo = service('echo', [8080, 8081]);
    const first = MeshSnapshot.build(model(echo, service('user', [9000])));
    const a = first.viewFor(sidecar('a'), undefined).resources(TypeUrl.Cluster).get('echo');
    const b = first.viewFor(sidecar('b', 15002), undefined).resources(TypeUrl.Cluster).get('echo');
    expect(a).toBeDefined();
    expect(b).toBe(a);

    // Only the service that changed is encoded again.
    const second = MeshSnapshot.build(model(echo, service('user', [9000, 9001])), first);
    expect(second.endpoints.get('echo')).toBe(first.endpoints.get('echo'));
    expect(second.endpoints.get('user')).not.toBe(first.endpoints.get('user'));
    expect(second.endpoints.get('user')?.version).not.toBe(first.endpoints.get('user')?.version);
  });

  it('never routes to a cluster it does not send: each Host scope names a route configuration to a sent cluster', () => {
    const view = MeshSnapshot.build(model(service('echo', [1]), service('user', [2]))).viewFor(sidecar('a'), undefined);
    const scopes = [...view.resources(TypeUrl.ScopedRoute).values()].map((r) => decode<{ route_configuration_name: string; key: { fragments: Array<{ string_key: string }> } }>(TypeUrl.ScopedRoute, r.bytes));
    expect(scopes.map((s) => s.key.fragments[0]!.string_key).sort()).toEqual(['echo', 'echo.service.consul', 'user', 'user.service.consul']);
    const targets = scopes.map((scope) => {
      const routes = decode<{ virtual_hosts: Array<{ routes: Array<{ route: { cluster: string } }> }> }>(TypeUrl.Route, view.resource(TypeUrl.Route, scope.route_configuration_name)!.bytes);
      return routes.virtual_hosts.flatMap((vh) => vh.routes.map((r) => r.route.cluster)).join();
    });
    expect(targets.sort()).toEqual(['echo', 'echo', 'user', 'user']);
    for (const target of targets) expect(view.resources(TypeUrl.Cluster).has(target)).toBe(true);
    for (const target of targets) expect(view.resources(TypeUrl.Cluster).has(target)).toBe(true);
  });

  it('sets the EDS merge window to zero on every generated cluster', () => {
    const cluster = decode<{ common_lb_config: { update_merge_window: { seconds?: number; nanos?: number } } }>(
      TypeUrl.Cluster,
      MeshSnapshot.build(model(service('echo', [1]))).clusters.get('echo')!.bytes,
    );
    // The Duration is present and zero; an absent one would mean Envoy's 1 s default.
    const window = cluster.common_lb_config.update_merge_window;
    expect(window).toBeDefined();
    expect((window.seconds ?? 0) + (window.nanos ?? 0)).toBe(0);
  });

  it('lists only the endpoints it is given: an instance removed from the model leaves EDS', () => {
    const cla = decode<{ endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }> }> }>(
      TypeUrl.Endpoint,
      MeshSnapshot.build(model(service('echo', [8081]))).endpoints.get('echo')!.bytes,
    );
    expect(cla.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.port_value))).toEqual([8081]);
  });

  it('points EDS, SRDS and RDS at ADS for ADS proxies and at their own xDS cluster for proxies on the per-type services', () => {
    const perType: ProxyIdentity = { ...sidecar('b'), configSource: { kind: 'api', apiType: 'GRPC', xdsCluster: 'xds_cluster' } };
    const snapshot = MeshSnapshot.build(model(service('echo', [1])));
    type Cluster = { eds_cluster_config: { eds_config: Record<string, unknown> } };
    type Listener = { filter_chains: Array<{ filters: Array<{ typed_config: { value: Uint8Array } }> }> };
    const edsSource = (proxy: ProxyIdentity) =>
      Object.keys(decode<Cluster>(TypeUrl.Cluster, snapshot.viewFor(proxy, undefined).resources(TypeUrl.Cluster).get('echo')!.bytes).eds_cluster_config.eds_config);
    expect(edsSource(sidecar('a')).sort()).toEqual(['ads', 'resource_api_version']);
    expect(edsSource(perType).sort()).toEqual(['api_config_source', 'resource_api_version']);
    const hcm = decode<Listener>(TypeUrl.Listener, snapshot.viewFor(perType, undefined).resources(TypeUrl.Listener).get('outbound')!.bytes)
      .filter_chains[0]!.filters[0]!.typed_config;
    const scoped = decode<{ scoped_routes: { rds_config_source: Record<string, unknown>; scoped_rds: { scoped_rds_config_source: Record<string, unknown> } } }>(
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager' as TypeUrl,
      Buffer.from(hcm.value),
    ).scoped_routes;
    const own = {
      api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
      resource_api_version: 'V3',
    };
    expect(scoped.rds_config_source).toEqual(own);
    expect(scoped.scoped_rds.scoped_rds_config_source).toEqual(own);
  });

  it('gives a sidecar of a known service an inbound listener and its local app cluster', () => {
    const user = service('user', [9000]);
    const withSidecar = { ...user, endpoints: user.endpoints.map((e) => ({ ...e, sidecarPort: 21000 })) };
    const snapshot = MeshSnapshot.build(model(withSidecar));
    const view = snapshot.viewFor({ ...sidecar('u'), service: 'user' }, 'user-9000');
    expect([...view.resources(TypeUrl.Listener).keys()].sort()).toEqual(['inbound', 'outbound']);
    expect(view.resources(TypeUrl.Cluster).has('local_app')).toBe(true);
    const unknown = snapshot.viewFor(sidecar('x'), undefined);
    expect([...unknown.resources(TypeUrl.Listener).keys()]).toEqual(['outbound']);
    expect(unknown.resources(TypeUrl.Cluster).has('user')).toBe(true);
  });
});

function tagged(name: string, instances: Array<{ port: number; tags?: string[]; meta?: Record<string, string> }>, protocol: ServiceModel['protocol'] = 'http'): ServiceModel {
  return {
    name,
    protocol,
    endpoints: instances.map(({ port, tags = [], meta = {} }) => ({
      id: `${name}-${port}`,
      address: '127.0.0.1',
      port,
      appPort: port,
      sidecarPort: undefined,
      health: 'passing' as const,
      weight: 1,
      tags,
      meta,
    })),
  };
}

function configured(
  services: ServiceModel[],
  policies: TrafficPolicyModel[],
  upstreams: Record<string, UpstreamModel[]> = {},
  gateway?: MeshConfigModel['gateway'],
): MeshModel {
  return {
    services: new Map(services.map((s) => [s.name, s])),
    config: { version: 'test', policies: new Map(policies.map((p) => [p.service, p])), upstreams: new Map(Object.entries(upstreams)), gateway },
  };
}

const notification = () =>
  tagged('notification', [
    { port: 7001, meta: { version: 'v1' } },
    { port: 7002, meta: { version: 'v1' } },
    { port: 7003, tags: ['v2'], meta: { version: 'v2' } },
  ]);

/** A fresh policy object each call, as a config reload builds them. */
const canaryPolicy = (v2Weight = 10, retries = 2): TrafficPolicyModel =>
  policy('notification', {
    subsets: [
      { name: 'v1', tags: [], meta: { version: 'v1' } },
      { name: 'v2', tags: ['v2'], meta: {} },
    ],
    circuitBreaker: { maxConnections: 10, maxPendingRequests: undefined, maxRequests: undefined, maxRetries: undefined },
    routes: [
      route({
        split: [
          { subset: 'v1', weight: 100 - v2Weight },
          { subset: 'v2', weight: v2Weight },
        ],
        retries: { retryOn: '5xx', numRetries: retries, perTryTimeoutMs: undefined, backoff: undefined, retriableStatusCodes: [], budget: undefined },
      }),
    ],
  });

const documentPolicy = (): TrafficPolicyModel => policy('document', { outlierDetection: { consecutive5xx: 3, consecutiveGatewayErrors: undefined, intervalMs: 1000, baseEjectionTimeMs: undefined, maxEjectionPercent: undefined } });

function routeTargets(config: Decoded): string[] {
  return config.virtual_hosts.flatMap((vh: Decoded) =>
    vh.routes.flatMap((r: Decoded) => (r.route.cluster ? [r.route.cluster] : r.route.weighted_clusters.clusters.map((c: Decoded) => c.name))),
  );
}

/** Every cluster any route of the view names is in the same view. */
function expectRoutesResolve(view: NodeView): void {
  const targets = [...view.resources(TypeUrl.Route).values()].flatMap((r) => routeTargets(decodeResource(r)));
  expect(targets.length).toBeGreaterThan(0);
  for (const target of targets) expect([target, view.resources(TypeUrl.Cluster).has(target)]).toEqual([target, true]);
}

const lbEndpointPorts = (cla: Decoded): number[] =>
  (cla.endpoints ?? []).flatMap((l: Decoded) => l.lb_endpoints.map((e: Decoded) => e.endpoint.address.socket_address.port_value));

describe('MeshSnapshot with traffic policy', () => {
  it('sends one cluster and one ClusterLoadAssignment per subset, holding only the matching instances', () => {
    const snapshot = MeshSnapshot.build(configured([notification(), service('document', [8000])], [canaryPolicy()]));
    expect([...snapshot.clusters.keys()].sort()).toEqual(['document', 'notification', 'notification~v1', 'notification~v2']);
    expect(lbEndpointPorts(decodeResource(snapshot.endpoints.get('notification~v1')))).toEqual([7001, 7002]);
    expect(lbEndpointPorts(decodeResource(snapshot.endpoints.get('notification~v2')))).toEqual([7003]);
    expect(lbEndpointPorts(decodeResource(snapshot.endpoints.get('notification')))).toEqual([7001, 7002, 7003]);
    const v2 = decodeResource(snapshot.clusters.get('notification~v2'));
    expect(v2.circuit_breakers.thresholds[0].max_connections).toEqual({ value: 10 });
    expect(v2.eds_cluster_config.eds_config).toHaveProperty('ads');
  });

  it('never routes to a cluster it does not send, over ADS and over the per-type services', () => {
    const model = configured([notification(), service('document', [8000]), service('user', [9000])], [canaryPolicy(), documentPolicy()], {
      user: [{ service: 'notification', localBindPort: 16001 }],
    });
    const snapshot = MeshSnapshot.build(model);
    for (const source of [ADS, { kind: 'api' as const, apiType: 'DELTA_GRPC' as const, xdsCluster: 'xds_cluster' }]) {
      const view = snapshot.viewFor({ ...sidecar('u'), service: 'user', configSource: source }, undefined);
      expect([...view.resources(TypeUrl.Route).keys()].sort()).toEqual(['upstream:document', 'upstream:notification', 'upstream:user']);
      expectRoutesResolve(view);
      expect(Object.keys(decodeResource(view.resources(TypeUrl.Cluster).get('notification~v1')).eds_cluster_config.eds_config)).toContain(
        source.kind === 'ads' ? 'ads' : 'api_config_source',
      );
    }
    expectRoutesResolve(snapshot.viewFor({ ...sidecar('g'), service: 'gateway' }, undefined));
  });

  it('re-encodes only the service whose policy changed on a config reload, and the route configs embedding it', () => {
    const services = [notification(), service('document', [8000]), service('user', [9000])];
    const upstreams = { user: [{ service: 'document', localBindPort: 16001 }, { service: 'notification', localBindPort: 16002 }] };
    const first = MeshSnapshot.build(configured(services, [canaryPolicy(10), documentPolicy()], upstreams));
    // A reload rebuilds every policy object; only notification's content differs.
    const second = MeshSnapshot.build(configured(services, [canaryPolicy(20), documentPolicy()], upstreams), first);

    for (const name of ['document', 'user']) {
      expect(second.clusters.get(name)).toBe(first.clusters.get(name));
      expect(second.endpoints.get(name)).toBe(first.endpoints.get(name));
      expect(second.apiListeners.get(name)).toBe(first.apiListeners.get(name));
    }
    expect(second.routes.get('upstream:document')).toBe(first.routes.get('upstream:document'));
    expect(second.outboundScopes.changedSince(first.outboundScopes).size).toBe(0);
    expect(second.routes.get('gateway')).toBe(first.routes.get('gateway'));
    // The split is in the routes only: the clusters and endpoints of notification stay too.
    for (const name of ['notification', 'notification~v1', 'notification~v2']) {
      expect(second.clusters.get(name)).toBe(first.clusters.get(name));
      expect(second.endpoints.get(name)).toBe(first.endpoints.get(name));
    }
    expect(second.routes.get('upstream:notification')).not.toBe(first.routes.get('upstream:notification'));
    expect(second.routes.get('upstream:notification')?.version).not.toBe(first.routes.get('upstream:notification')?.version);

    // A cluster-level change re-encodes that service's cluster and subset clusters, nothing else.
    const breaker = (p: TrafficPolicyModel): TrafficPolicyModel => ({ ...p, circuitBreaker: { maxConnections: 1, maxPendingRequests: 1, maxRequests: undefined, maxRetries: undefined } });
    const third = MeshSnapshot.build(configured(services, [breaker(canaryPolicy(20)), documentPolicy()], upstreams), second);
    for (const name of ['notification', 'notification~v1', 'notification~v2']) {
      expect(third.clusters.get(name)?.version).not.toBe(second.clusters.get(name)?.version);
      expect(third.endpoints.get(name)).toBe(second.endpoints.get(name));
    }
    for (const name of ['document', 'user']) expect(third.clusters.get(name)).toBe(second.clusters.get(name));
    expect(third.routes.get('upstream:notification')).toBe(second.routes.get('upstream:notification'));
  });

  it('re-encodes only the ClusterLoadAssignments of a service whose instances changed', () => {
    const first = MeshSnapshot.build(configured([notification(), service('document', [8000])], [canaryPolicy()]));
    const moved = tagged('notification', [
      { port: 7001, meta: { version: 'v1' } },
      { port: 7004, tags: ['v2'], meta: { version: 'v2' } },
    ]);
    const second = MeshSnapshot.build(configured([moved, first.model.services.get('document')!], [canaryPolicy()]), first);
    expect(second.endpoints.get('document')).toBe(first.endpoints.get('document'));
    for (const name of ['notification', 'notification~v1', 'notification~v2']) {
      expect(second.clusters.get(name)).toBe(first.clusters.get(name));
      expect(second.endpoints.get(name)?.version).not.toBe(first.endpoints.get(name)?.version);
    }
    expect(second.routes.get('upstream:notification')).toBe(first.routes.get('upstream:notification'));
  });

  it('gives a sidecar a listener on 127.0.0.1:<port> per upstream with a local bind port (tcp_proxy for tcp)', () => {
    const user = service('user', [9000]);
    const model = configured([notification(), tagged('db', [{ port: 5432 }], 'tcp'), { ...user, endpoints: user.endpoints.map((e) => ({ ...e, sidecarPort: 21000 })) }], [canaryPolicy()], {
      user: [
        { service: 'notification', localBindPort: 16001 },
        { service: 'db', localBindPort: 16002 },
        { service: 'absent', localBindPort: 16003 },
        { service: 'notification', localBindPort: undefined },
      ],
    });
    const view = MeshSnapshot.build(model).viewFor({ ...sidecar('u'), service: 'user' }, undefined);
    expect([...view.resources(TypeUrl.Listener).keys()].sort()).toEqual(['inbound', 'outbound', 'upstream:db', 'upstream:notification']);
    const http = decodeResource(view.resource(TypeUrl.Listener, 'upstream:notification'));
    expect(http.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 16001 });
    expect(http.filter_chains[0].filters[0].typed_config.rds.route_config_name).toBe('upstream:notification');
    const tcp = decodeResource(view.resource(TypeUrl.Listener, 'upstream:db'));
    expect(tcp.filter_chains[0].filters[0].typed_config.cluster).toBe('db');
    const routes = decodeResource(view.resource(TypeUrl.Route, 'upstream:notification'));
    expect(routes.virtual_hosts[0].domains).toEqual(['*']);
    expect(routeTargets(routes).sort()).toEqual(['notification~v1', 'notification~v2']);
    // Another caller gets none of them.
    expect([...MeshSnapshot.build(model).viewFor(sidecar('c'), undefined).resources(TypeUrl.Listener).keys()]).toEqual(['outbound']);
  });

  it('gives the gateway its public listener and prefix routes, every service cluster, and no sidecar listeners', () => {
    const gateway = service('gateway', [8080]);
    const services = [service('auth', [7000]), { ...gateway, endpoints: gateway.endpoints.map((e) => ({ ...e, sidecarPort: 21000 })) }, service('user', [9000])];
    const local = undefined;
    const bare = MeshSnapshot.build({ services: new Map(services.map((s) => [s.name, s])) });
    const view = bare.viewFor({ ...sidecar('gw'), service: 'gateway' }, local);
    expect([...view.resources(TypeUrl.Listener).keys()]).toEqual(['gateway']);
    expect(decodeResource(view.resource(TypeUrl.Listener, 'gateway')).address.socket_address).toEqual({ address: '0.0.0.0', port_value: 8080 });
    expect([...view.resources(TypeUrl.Cluster).keys()].sort()).toEqual(['auth', 'gateway', 'user']);
    expect([...view.resources(TypeUrl.Route).keys()]).toEqual(['gateway']);
    expect(decodeResource(view.resource(TypeUrl.Route, 'gateway')).virtual_hosts[0].routes).toEqual([
      { match: { prefix: '/auth/' }, route: { cluster: 'auth', prefix_rewrite: '/', retry_policy: SAFE_RETRY_DECODED } },
      { match: { prefix: '/user/' }, route: { cluster: 'user', prefix_rewrite: '/', retry_policy: SAFE_RETRY_DECODED } },
    ]);
    const fromNode = bare.viewFor({ ...sidecar('gw2'), service: 'gateway', gatewayPort: 18080 }, undefined);
    expect(decodeResource(fromNode.resource(TypeUrl.Listener, 'gateway')).address.socket_address.port_value).toBe(18080);

    const dsl = MeshSnapshot.build(configured(services, [], {}, { name: 'edge', port: 9443, routes: [{ prefix: '/api/', service: 'user', rewritePrefix: '/v1/', methods: [] }] }));
    const edge = dsl.viewFor({ ...sidecar('e'), service: 'edge' }, undefined);
    expect(decodeResource(edge.resource(TypeUrl.Listener, 'gateway')).address.socket_address.port_value).toBe(9443);
    expect(decodeResource(edge.resource(TypeUrl.Route, 'gateway')).virtual_hosts[0].routes).toEqual([
      { match: { prefix: '/api/' }, route: { cluster: 'user', prefix_rewrite: '/v1/', retry_policy: SAFE_RETRY_DECODED } },
    ]);
    // With a DSL gateway named otherwise, a proxy of a service called "gateway" is an ordinary sidecar.
    expect(dsl.viewFor({ ...sidecar('g'), service: 'gateway' }, local).resources(TypeUrl.Listener).has('inbound')).toBe(true);
  });

  it('gives proxyless gRPC clients a balancer they support, and Envoy the one the policy names', () => {
    const snapshot = MeshSnapshot.build(configured([service('echo', [1])], [policy('echo', { loadBalancer: 'maglev' })]));
    expect(decodeResource(snapshot.clusters.get('echo')).lb_policy).toBe('MAGLEV');
    const grpc = snapshot.viewFor({ ...sidecar('g'), kind: 'grpc' }, undefined);
    expect(decodeResource(grpc.resource(TypeUrl.Cluster, 'echo')).lb_policy ?? 'ROUND_ROBIN').toBe('ROUND_ROBIN');
  });
});
