import type { ConnectProxyRegistration, ServiceInstance } from '../consul/service-instance';
import { decodeResource } from '../resources/decode.spec-helper';
import { TypeUrl } from '../resources/type-url';
import { CatalogModelBuilder } from './catalog-model';
import { ADS } from './config-source';
import { MeshSnapshot } from './mesh-snapshot';
import type { ProxyIdentity } from './model';

type Health = ServiceInstance['health'];

function app(service: string, id: string, port: number, extra: Partial<ServiceInstance> = {}): ServiceInstance {
  return { id, service, node: 'node-1', address: '10.0.0.1', port, tags: ['v1'], meta: {}, health: 'passing', weights: { passing: 1, warning: 1 }, ...extra };
}

function proxyOf(destination: string, destinationId: string, port: number, health: Health = 'passing', proxy: Partial<ConnectProxyRegistration> = {}): ServiceInstance {
  return app(`${destination}-sidecar-proxy`, `${destinationId}-sidecar-proxy`, port, {
    health,
    connectProxy: {
      destinationService: destination,
      destinationServiceId: destinationId,
      localServiceAddress: '127.0.0.1',
      localServicePort: undefined,
      mode: '',
      upstreams: [],
      exposePaths: [],
      ignored: [],
      ...proxy,
    },
  });
}

function catalog(...instances: ServiceInstance[]): Map<string, readonly ServiceInstance[]> {
  const services = new Map<string, ServiceInstance[]>();
  for (const i of instances) services.set(i.service, [...(services.get(i.service) ?? []), i]);
  return services;
}

const envoy = (id: string, service: string): ProxyIdentity => ({ id, service, kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS });

const addressOf = (listener: ReturnType<typeof decodeResource>) => `${listener.address.socket_address.address}:${listener.address.socket_address.port_value}`;

describe('Consul Connect sidecar registrations', () => {
  it('are not services of their own: callers of the destination are sent to the sidecar, never to the app', () => {
    const model = new CatalogModelBuilder().build(catalog(app('api', 'api-1', 8082), proxyOf('api', 'api-1', 21503, 'passing', { localServicePort: 8082 })));
    expect([...model.services.keys()]).toEqual(['api']);
    expect(model.services.get('api')?.endpoints.map((e) => [e.id, e.address, e.port, e.appPort])).toEqual([['api-1', '10.0.0.1', 21503, 8082]]);
  });

  it('leave no endpoint while the sidecar is critical, and none for an app whose own instance is critical', () => {
    const down = new CatalogModelBuilder().build(catalog(app('api', 'api-1', 8082), proxyOf('api', 'api-1', 21503, 'critical')));
    expect(down.services.get('api')?.endpoints).toEqual([]);
    // The destination's critical instance is not in the catalog snapshot at all.
    const appDown = new CatalogModelBuilder().build(catalog(proxyOf('api', 'api-1', 21503)));
    expect(appDown.services.has('api-sidecar-proxy')).toBe(false);
    expect(appDown.services.get('api')).toBeUndefined();
  });

  it('win over the Meta.sidecar_port convention when an instance has both', () => {
    const model = new CatalogModelBuilder().build(catalog(app('api', 'api-1', 8082, { meta: { sidecar_port: '7103' } }), proxyOf('api', 'api-1', 21503)));
    expect(model.services.get('api')?.endpoints.map((e) => e.port)).toEqual([21503]);
    const convention = new CatalogModelBuilder().build(catalog(app('api', 'api-1', 8082, { meta: { sidecar_port: '7103' } })));
    expect(convention.services.get('api')?.endpoints.map((e) => e.port)).toEqual([7103]);
  });

  it('pair a sidecar with its own instance: a warning on either side gives a warning endpoint at the warning weight', () => {
    const model = new CatalogModelBuilder().build(
      catalog(
        app('api', 'api-1', 8082, { weights: { passing: 10, warning: 2 } }),
        app('api', 'api-2', 8082, { node: 'node-2', address: '10.0.0.2', health: 'warning', weights: { passing: 10, warning: 2 } }),
        proxyOf('api', 'api-1', 21503),
        { ...proxyOf('api', 'api-2', 21503), node: 'node-2', address: '10.0.0.2' },
        // A sidecar naming an instance on another node fronts nothing.
        { ...proxyOf('api', 'api-1', 21504), node: 'node-3', id: 'stray' },
      ),
    );
    expect(model.services.get('api')?.endpoints.map((e) => [e.id, e.address, e.health, e.weight])).toEqual([
      ['api-1', '10.0.0.1', 'passing', 10],
      ['api-2', '10.0.0.2', 'warning', 2],
    ]);
  });

  it('keep the service model object while nothing of the service or its sidecars changed', () => {
    const builder = new CatalogModelBuilder();
    const services = catalog(app('api', 'api-1', 8082), proxyOf('api', 'api-1', 21503), app('web', 'web-1', 8081));
    const first = builder.build(services);
    const next = new Map(services);
    next.set('web', [app('web', 'web-1', 8081), app('web', 'web-2', 8083)]);
    expect(builder.build(next).services.get('api')).toBe(first.services.get('api'));
    next.set('api-sidecar-proxy', [proxyOf('api', 'api-1', 21503, 'critical')]);
    expect(builder.build(next).services.get('api')?.endpoints).toEqual([]);
  });

  it("give the sidecar's Envoy its public listener, one listener per upstream and the exposed paths, and no outbound listener", () => {
    const web = proxyOf('web', 'web-1', 21502, 'passing', {
      localServicePort: 8081,
      upstreams: [
        { destinationType: 'service', destinationName: 'api', datacenter: '', localBindAddress: '127.0.0.1', localBindPort: 9191 },
        { destinationType: 'prepared_query', destinationName: 'q', datacenter: '', localBindAddress: '127.0.0.1', localBindPort: 9192 },
      ],
      exposePaths: [{ path: '/health', localPathPort: 8081, listenerPort: 21600, protocol: 'http' }],
    });
    const model = new CatalogModelBuilder().build(catalog(app('api', 'api-1', 8082), proxyOf('api', 'api-1', 21503), app('web', 'web-1', 8081), web));
    expect(model.connectProxies?.get('web-1-sidecar-proxy')?.unsupported).toEqual(['upstream q: prepared queries are not served; name the service']);
    const view = MeshSnapshot.build(model).viewFor(envoy('web-1-sidecar-proxy', 'web'), undefined);

    const listeners = new Map([...view.resources(TypeUrl.Listener).values()].map((r) => [r.name, decodeResource(r)]));
    expect([...listeners.keys()].sort()).toEqual(['exposed_path:21600', 'inbound', 'upstream:api']);
    expect(addressOf(listeners.get('inbound')!)).toBe('0.0.0.0:21502');
    expect(addressOf(listeners.get('upstream:api')!)).toBe('127.0.0.1:9191');
    const exposed = listeners.get('exposed_path:21600')!.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
    expect(exposed).toEqual([{ match: { path: '/health' }, route: { cluster: 'exposed_path:8081' } }]);

    const clusters = view.resources(TypeUrl.Cluster);
    expect(decodeResource(clusters.get('local_app')).load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8081 });
    expect(clusters.has('exposed_path:8081')).toBe(true);
    expect(clusters.has('api')).toBe(true);
    expect(clusters.has('api-sidecar-proxy')).toBe(false);
  });

  it('serve a proxy whose node.cluster is not its registration\'s destination as an ordinary sidecar of what it claims', () => {
    const model = new CatalogModelBuilder().build(catalog(app('api', 'api-1', 8082), proxyOf('api', 'api-1', 21503, 'passing', { localServicePort: 8082 })));
    const view = MeshSnapshot.build(model).viewFor(envoy('api-1-sidecar-proxy', 'web'), undefined);
    expect([...view.resources(TypeUrl.Listener).keys()]).toEqual(['outbound']);
  });
});
