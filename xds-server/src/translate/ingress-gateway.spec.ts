import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfigEntries } from '../consul/config-entries';
import type { IngressGatewayEntry } from '../consul/ingress-gateway-entry';
import type { GatewayKind, ServiceInstance } from '../consul/service-instance';
import { decodeResource } from '../resources/decode.spec-helper';
import { TypeUrl } from '../resources/type-url';
import { CatalogModelBuilder } from './catalog-model';
import { ADS } from './config-source';
import { ingressGateways, unservedGateways } from './ingress-gateway';
import { MeshSnapshot } from './mesh-snapshot';
import type { MeshModel, ProxyIdentity, ServiceModel, ServiceProtocol } from './model';

/** The entry Consul 1.22.6 returned for the fixture: api and api-backup on 8080 (http), `*` on 8443, db on 9000 (tcp). */
const ENTRY = parseConfigEntries('ingress-gateway', JSON.parse(readFileSync(join(__dirname, '..', 'consul', 'fixtures', 'config-ingress-gateway.json'), 'utf8')), '/v1/config/ingress-gateway')[0] as IngressGatewayEntry;

function instance(service: string, id: string, port: number, extra: Partial<ServiceInstance> = {}): ServiceInstance {
  return { id, service, node: 'node-1', address: '127.0.0.1', port, tags: [], meta: {}, health: 'passing', weights: { passing: 1, warning: 1 }, ...extra };
}

const gateway = (kind: GatewayKind, name: string, health: ServiceInstance['health'] = 'passing', ignored: string[] = []) => instance(name, name, 21000, { gateway: { kind, ignored }, health });

function services(protocols: Record<string, ServiceProtocol>): Map<string, ServiceModel> {
  return new Map(Object.entries(protocols).map(([name, protocol]) => [name, { name, protocol, endpoints: [] }]));
}

const envoy = (id: string, service: string): ProxyIdentity => ({ id, service, kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS });

/** The catalog's model with the fixture entry applied, as MeshState builds it. */
function meshWith(...instances: ServiceInstance[]): MeshModel {
  const byService = new Map<string, ServiceInstance[]>();
  for (const i of instances) byService.set(i.service, [...(byService.get(i.service) ?? []), i]);
  const catalog = new CatalogModelBuilder().build(byService);
  const withProtocols = new Map([...catalog.services].map(([name, s]) => [name, { ...s, protocol: name === 'db' ? ('tcp' as const) : s.protocol }]));
  return { ...catalog, services: withProtocols, ingressGateways: ingressGateways(new Map([['ingress', ENTRY]]), withProtocols).gateways };
}

describe('ingress gateways', () => {
  it("publish each listener's services under Consul's Host names: <service>.ingress.* or the entry's Hosts, each with and without the port", () => {
    const { gateways, problems } = ingressGateways(new Map([['ingress', ENTRY]]), services({ api: 'http', 'api-backup': 'http', web: 'http', db: 'tcp' }));
    const listeners = gateways.get('ingress')?.listeners.map((l) => [l.port, l.protocol, l.services.map((s) => [s.service, ...s.domains])]);
    expect(listeners).toEqual([
      [8080, 'http', [['api', 'api.ingress.*', 'api.ingress.*:8080'], ['api-backup', 'backup.example.com', 'backup.example.com:8080']]],
      // `*` stands for every http service; db is tcp.
      [8443, 'http', [['api', 'api.ingress.*', 'api.ingress.*:8443'], ['api-backup', 'api-backup.ingress.*', 'api-backup.ingress.*:8443'], ['web', 'web.ingress.*', 'web.ingress.*:8443']]],
      [9000, 'tcp', [['db', 'db.ingress.*', 'db.ingress.*:9000']]],
    ]);
    expect(problems).toEqual([]);
  });

  it("leave out a service the catalog lacks, and report one whose protocol is not the http listener's and a tcp listener with several services", () => {
    const entry: IngressGatewayEntry = {
      ...ENTRY,
      listeners: [
        { port: 8080, protocol: 'http', services: [{ name: 'db', hosts: [], requestHeaders: undefined, responseHeaders: undefined }, { name: 'gone', hosts: [], requestHeaders: undefined, responseHeaders: undefined }] },
        { port: 9000, protocol: 'tcp', services: ENTRY.listeners[0]!.services },
        { port: 9002, protocol: 'tcp', services: [ENTRY.listeners[0]!.services[0]!] },
        { port: 9001, protocol: 'udp', services: ENTRY.listeners[2]!.services },
      ],
      unsupported: [],
    };
    const { gateways, problems } = ingressGateways(new Map([['ingress', entry]]), services({ api: 'http', 'api-backup': 'http', db: 'tcp' }));
    // An http service on a tcp listener is proxied as bytes, as Consul allows.
    expect(gateways.get('ingress')?.listeners.map((l) => [l.port, l.services.map((s) => s.service)])).toEqual([[8080, []], [9002, ['api']]]);
    expect(problems).toEqual([
      "ingress-gateway/ingress: listener on port 8080: db is served as tcp, not http; set its protocol with service-defaults or change the listener's",
      'ingress-gateway/ingress: listener on port 9000: a tcp listener publishes exactly one service, not 2; the listener is not served',
      'ingress-gateway/ingress: listener on port 9001: protocol "udp" is not one of tcp, http, http2, grpc; the listener is not served',
    ]);
  });

  it('are registrations, not services: kept while critical, and never a destination', () => {
    const model = new CatalogModelBuilder().build(new Map([['api', [instance('api', 'api-1', 8082)]], ['ingress', [gateway('ingress-gateway', 'ingress', 'critical')]]]));
    expect([...model.services.keys()]).toEqual(['api']);
    expect(model.gateways?.get('ingress')).toEqual({ id: 'ingress', service: 'ingress', kind: 'ingress-gateway', address: '127.0.0.1', unsupported: [] });
  });

  it("serve the gateway's Envoy one listener per entry listener on its address, routing by Host to each service's own routes with the entry's header changes", () => {
    const mesh = meshWith(instance('api', 'api-1', 8082), instance('api-backup', 'b-1', 8083), instance('db', 'db-1', 5432), gateway('ingress-gateway', 'ingress'));
    const view = MeshSnapshot.build(mesh).viewFor(envoy('ingress', 'ingress'), undefined);
    const listeners = [...view.resources(TypeUrl.Listener).values()].map(decodeResource);
    expect(listeners.map((l) => [l.name, `${l.address.socket_address.address}:${l.address.socket_address.port_value}`])).toEqual([
      ['http:127.0.0.1:8080', '127.0.0.1:8080'],
      ['http:127.0.0.1:8443', '127.0.0.1:8443'],
      ['db:127.0.0.1:9000', '127.0.0.1:9000'],
    ]);
    expect(listeners[0]!.filter_chains[0].filters[0].typed_config.rds.route_config_name).toBe('8080');
    expect(listeners[2]!.filter_chains[0].filters[0].typed_config.cluster).toBe('db');
    const routes = decodeResource(view.resource(TypeUrl.Route, '8080'));
    expect(routes.virtual_hosts.map((v: { name: string; domains: string[] }) => [v.name, v.domains])).toEqual([
      ['api', ['api.ingress.*', 'api.ingress.*:8080']],
      ['api-backup', ['backup.example.com', 'backup.example.com:8080']],
    ]);
    const api = routes.virtual_hosts[0];
    expect(api.routes[0].route.cluster).toBe('api');
    expect(api.request_headers_to_add).toEqual([{ header: { key: 'x-via', value: 'ingress' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }]);
    expect(api.request_headers_to_remove).toEqual(['x-drop']);
    expect(api.response_headers_to_add).toEqual([{ header: { key: 'x-gateway', value: 'ingress' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect([...view.resources(TypeUrl.Route).keys()].sort()).toEqual(['8080', '8443']);
    expect([...view.resources(TypeUrl.Cluster).keys()].sort()).toEqual(['api', 'api-backup', 'db']);
  });

  it("give the gateway its own copies of the clusters its entry limits, Defaults under each service's (or `*`'s) own settings; other clusters stay shared", () => {
    const wildcard = { connectTimeoutMs: undefined, limits: { maxConnections: 5, maxPendingRequests: undefined, maxConcurrentRequests: undefined }, passiveHealthCheck: undefined };
    const entry: IngressGatewayEntry = {
      ...ENTRY,
      defaults: { connectTimeoutMs: undefined, limits: { maxConnections: 3, maxPendingRequests: 4, maxConcurrentRequests: undefined }, passiveHealthCheck: undefined },
      listeners: ENTRY.listeners.map((l) => (l.port === 8443 ? { ...l, services: l.services.map((s) => ({ ...s, settings: wildcard })) } : l)),
    };
    const instances = [instance('api', 'api-1', 8082), instance('api-backup', 'b-1', 8083), instance('web', 'w-1', 8084), gateway('ingress-gateway', 'ingress')];
    const mesh = { ...meshWith(...instances), ingressGateways: ingressGateways(new Map([['ingress', entry]]), meshWith(...instances).services).gateways };
    const snapshot = MeshSnapshot.build(mesh);
    const clusters = snapshot.viewFor(envoy('ingress', 'ingress'), undefined).resources(TypeUrl.Cluster);
    const thresholds = (name: string) => decodeResource(clusters.get(name)).circuit_breakers?.thresholds?.[0];
    // api-backup's own MaxConnections (10, from the fixture) over the Defaults' 3.
    expect(thresholds('api-backup')).toMatchObject({ max_connections: { value: 10 }, max_pending_requests: { value: 4 } });
    // api's first listing (8080) sets nothing of its own: the Defaults, not `*`'s on 8443.
    expect(thresholds('api')).toMatchObject({ max_connections: { value: 3 }, max_pending_requests: { value: 4 } });
    // web is published only through `*`, whose own MaxConnections apply to it over the Defaults'.
    expect(thresholds('web')).toMatchObject({ max_connections: { value: 5 }, max_pending_requests: { value: 4 } });
    expect(clusters.get('db')).toBe(snapshot.clusters.get('db'));
    expect(clusters.get('api')).not.toBe(snapshot.clusters.get('api'));
  });

  it('give other gateway kinds, and an ingress gateway without an entry, no listeners at all, and say why', () => {
    const mesh = meshWith(instance('api', 'api-1', 8082), gateway('terminating-gateway', 'egress'), gateway('ingress-gateway', 'edge', 'passing', ['Proxy.Config.envoy_gateway_bind_addresses: not served']));
    const snapshot = MeshSnapshot.build(mesh);
    for (const name of ['egress', 'edge']) expect(snapshot.viewFor(envoy(name, name), undefined).resources(TypeUrl.Listener).size).toBe(0);
    // A node.cluster that is not the registration's name is not that gateway: it gets a sidecar's view.
    expect([...snapshot.viewFor(envoy('edge', 'api'), undefined).resources(TypeUrl.Listener).keys()]).toContain('outbound');
    expect(unservedGateways(mesh.gateways!.values(), mesh.ingressGateways!)).toEqual([
      "ingress-gateway edge: Proxy.Config.envoy_gateway_bind_addresses: not served; listeners bind on the registration's address",
      'ingress-gateway edge: there is no ingress-gateway config entry named edge; its Envoy gets no listeners until one is written',
      'terminating-gateway egress: terminating-gateways are not served; its Envoy gets no listeners',
    ]);
  });
});
