import { ADS } from './config-source';
import type { MeshModel, ProxyIdentity, ServiceModel } from './model';
import { MeshSnapshot } from './mesh-snapshot';
import { messageType } from '../resources/protos';
import type { Resource } from '../resources/resource';
import { SotwStream, type SotwResponse } from '../xds/sotw-stream';
import { TypeUrl } from '../resources/type-url';

const GRPC_CLIENT: ProxyIdentity = { id: 'app-1', service: 'app', kind: 'grpc', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS };
const ENVOY: ProxyIdentity = { ...GRPC_CLIENT, kind: 'envoy' };

function service(name: string, ports: number[]): ServiceModel {
  return {
    name,
    protocol: 'grpc',
    endpoints: ports.map((port) => ({ id: `${name}-${port}`, address: '127.0.0.1', port, appPort: port, sidecarPort: undefined, health: 'passing', weight: 1, tags: [], meta: {} })),
  };
}

function mesh(...services: ServiceModel[]): MeshModel {
  return { services: new Map(services.map((s) => [s.name, s])) };
}

function decode(resource: Resource | undefined): Record<string, unknown> {
  if (!resource) throw new Error('no resource');
  const type = messageType(resource.typeUrl);
  return type.toObject(type.decode(resource.bytes), { enums: String, longs: Number, defaults: false }) as Record<string, unknown>;
}

/** The route of an API listener: its HCM is an Any, so it is decoded on its own. */
function routedCluster(listener: Resource | undefined): string {
  const outer = decode(listener) as { api_listener: { api_listener: { value: Uint8Array } } };
  const hcmType = messageType('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager');
  const hcm = hcmType.toObject(hcmType.decode(outer.api_listener.api_listener.value)) as {
    route_config: { virtual_hosts: Array<{ routes: Array<{ route: { cluster: string } }> }> };
  };
  return hcm.route_config.virtual_hosts[0]!.routes[0]!.route.cluster;
}

describe('the proxyless gRPC view', () => {
  it('serves the catalog resources of a known service, shared with every other view', () => {
    const snapshot = MeshSnapshot.build(mesh(service('echo', [5001])));
    const view = snapshot.viewFor(GRPC_CLIENT, undefined);
    expect(view.resource(TypeUrl.Listener, 'echo')).toBe(snapshot.apiListeners.get('echo'));
    expect(view.resource(TypeUrl.Cluster, 'echo')).toBe(snapshot.clusters.get('echo'));
    expect(view.resource(TypeUrl.Endpoint, 'echo')).toBe(snapshot.endpoints.get('echo'));
    expect(routedCluster(view.resource(TypeUrl.Listener, 'echo'))).toBe('echo');
  });

  it('routes xds:///name:port to the service name', () => {
    const view = MeshSnapshot.build(mesh(service('echo', [5001]))).viewFor(GRPC_CLIENT, undefined);
    const listener = view.resource(TypeUrl.Listener, 'echo:50051');
    expect(listener?.name).toBe('echo:50051');
    expect(routedCluster(listener)).toBe('echo');
    expect(view.resource(TypeUrl.Cluster, 'echo:50051')).toBeUndefined();
  });

  it('answers a service Consul does not list with a listener, an EDS cluster and no endpoints', () => {
    const view = MeshSnapshot.build(mesh()).viewFor(GRPC_CLIENT, undefined);
    expect(routedCluster(view.resource(TypeUrl.Listener, 'later'))).toBe('later');
    expect(decode(view.resource(TypeUrl.Cluster, 'later'))).toEqual(expect.objectContaining({ name: 'later', type: 'EDS' }));
    expect(decode(view.resource(TypeUrl.Endpoint, 'later'))).toEqual({ cluster_name: 'later' });
    expect(view.resource(TypeUrl.Listener, 'xdstp://other/envoy.config.listener.v3.Listener/later')).toBeUndefined();
    expect(view.resources(TypeUrl.Listener).size).toBe(0);
  });

  it('leaves Envoy views as they were: no resources for services Consul does not list', () => {
    const view = MeshSnapshot.build(mesh()).viewFor(ENVOY, undefined);
    expect(view.resource(TypeUrl.Cluster, 'later')).toBeUndefined();
  });

  it('never deletes a subscribed listener or cluster when its service leaves the catalog and comes back', () => {
    let nonce = 0;
    const stream = new SotwStream({ newNonce: () => String(++nonce) });
    let snapshot = MeshSnapshot.build(mesh(service('echo', [5001])));
    const view = () => snapshot.viewFor(GRPC_CLIENT, undefined);
    const ack = (r: SotwResponse) =>
      stream.handleRequest({ typeUrl: r.typeUrl, versionInfo: r.versionInfo, responseNonce: r.nonce, resourceNames: r.resources.map((x) => x.name) }, view());
    const subscribe = (typeUrl: TypeUrl) => stream.handleRequest({ typeUrl, versionInfo: '', responseNonce: '', resourceNames: ['echo'] }, view()).responses;
    for (const typeUrl of [TypeUrl.Listener, TypeUrl.Cluster, TypeUrl.Endpoint]) subscribe(typeUrl).forEach(ack);

    snapshot = MeshSnapshot.build(mesh(), snapshot);
    const gone = stream.handleViewChange(view());
    // Only the endpoints change; the listener and cluster stay exactly as the client holds them.
    expect(gone.map((r) => [r.typeUrl, r.resources.map((x) => x.name)])).toEqual([[TypeUrl.Endpoint, ['echo']]]);
    expect(decode(gone[0]!.resources[0])).toEqual({ cluster_name: 'echo' });
    gone.forEach(ack);

    snapshot = MeshSnapshot.build(mesh(service('echo', [5002])), snapshot);
    const back = stream.handleViewChange(view());
    expect(back.map((r) => r.typeUrl)).toEqual([TypeUrl.Endpoint]);
    expect(JSON.stringify(decode(back[0]!.resources[0]))).toContain('5002');
  });
});
