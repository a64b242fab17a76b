import { ADS } from '../translate/config-source';
import { MeshSnapshot } from './mesh-snapshot';
import { messageType } from './protos';
import { TypeUrl } from './type-url';
import type { MeshModel, ProxyIdentity, ServiceModel } from '../translate/model';

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
  it('encodes each resource once and shares the bytes between proxies and across snapshots (DESIGN 3.8)', () => {
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

  it('never routes to a cluster it does not send (DESIGN 3.7)', () => {
    const view = MeshSnapshot.build(model(service('echo', [1]), service('user', [2]))).viewFor(sidecar('a'), undefined);
    const routes = decode<{ virtual_hosts: Array<{ routes: Array<{ route: { cluster: string } }> }> }>(
      TypeUrl.Route,
      view.resources(TypeUrl.Route).get('outbound')!.bytes,
    );
    const targets = routes.virtual_hosts.flatMap((vh) => vh.routes.map((r) => r.route.cluster));
    expect(targets.sort()).toEqual(['echo', 'user']);
    for (const target of targets) expect(view.resources(TypeUrl.Cluster).has(target)).toBe(true);
  });

  it('sets the EDS merge window to zero on every generated cluster (DESIGN 3.6)', () => {
    const cluster = decode<{ common_lb_config: { update_merge_window: { seconds?: number; nanos?: number } } }>(
      TypeUrl.Cluster,
      MeshSnapshot.build(model(service('echo', [1]))).clusters.get('echo')!.bytes,
    );
    // The Duration is present and zero; an absent one would mean Envoy's 1 s default.
    const window = cluster.common_lb_config.update_merge_window;
    expect(window).toBeDefined();
    expect((window.seconds ?? 0) + (window.nanos ?? 0)).toBe(0);
  });

  it('lists only the endpoints it is given: an instance removed from the model leaves EDS (DESIGN 3.6)', () => {
    const cla = decode<{ endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }> }> }>(
      TypeUrl.Endpoint,
      MeshSnapshot.build(model(service('echo', [8081]))).endpoints.get('echo')!.bytes,
    );
    expect(cla.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.port_value))).toEqual([8081]);
  });

  it('points EDS and RDS at ADS for ADS proxies and at their own xDS cluster for proxies on the per-type services', () => {
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
    const rds = decode<{ rds: { config_source: Record<string, unknown> } }>(
      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager' as TypeUrl,
      Buffer.from(hcm.value),
    ).rds.config_source;
    expect(rds).toEqual({
      api_config_source: { api_type: 'GRPC', transport_api_version: 'V3', grpc_services: [{ envoy_grpc: { cluster_name: 'xds_cluster' } }] },
      resource_api_version: 'V3',
    });
  });

  it('gives a sidecar of a known service an inbound listener and its local app cluster', () => {
    const snapshot = MeshSnapshot.build(model(service('user', [9000])));
    const view = snapshot.viewFor({ ...sidecar('u'), service: 'user' }, { name: 'user', sidecarPort: 21000, appPort: 9000, protocol: 'http' });
    expect([...view.resources(TypeUrl.Listener).keys()].sort()).toEqual(['inbound', 'outbound']);
    expect(view.resources(TypeUrl.Cluster).has('local_app')).toBe(true);
    const unknown = snapshot.viewFor(sidecar('x'), undefined);
    expect([...unknown.resources(TypeUrl.Listener).keys()]).toEqual(['outbound']);
    expect(unknown.resources(TypeUrl.Cluster).has('user')).toBe(true);
  });
});
