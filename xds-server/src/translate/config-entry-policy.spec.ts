import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigEntryKind, type ConsulConfigEntries, combineConfigEntries, NO_CONFIG_ENTRIES, parseConfigEntries } from '../consul/config-entries';
import { decodeResource } from '../resources/decode.spec-helper';
import { TypeUrl } from '../resources/type-url';
import { ADS } from './config-source';
import { applyConfigEntries, entryProtocol } from './config-entry-policy';
import { MeshSnapshot } from './mesh-snapshot';
import type { MeshModel, ServiceModel } from './model';
import type { MeshConfigModel } from './policy-model';
import { policy, route } from './policy-fixtures.spec-helper';
import { upstreamRouteName } from './route.translator';

/** The entries Consul 1.22.6 returned for `consul config write` (consul/fixtures), of the kinds given. */
function entries(...kinds: ConfigEntryKind[]): ConsulConfigEntries {
  const fixture = (kind: ConfigEntryKind) => JSON.parse(readFileSync(join(__dirname, '..', 'consul', 'fixtures', `config-${kind}.json`), 'utf8')) as unknown;
  return combineConfigEntries(new Map(kinds.map((kind) => [kind, parseConfigEntries(kind, fixture(kind), `/v1/config/${kind}`)])));
}

function dsl(...policies: ReturnType<typeof policy>[]): MeshConfigModel {
  return { version: 'v1', policies: new Map(policies.map((p) => [p.service, p])), upstreams: new Map(), gateway: undefined };
}

function service(name: string, endpoints: Array<{ port: number; meta: Record<string, string>; tags?: string[] }>): ServiceModel {
  return { name, protocol: 'http', endpoints: endpoints.map((e) => ({ id: `${name}-${e.port}`, address: '10.0.0.1', port: e.port, appPort: e.port, sidecarPort: undefined, health: 'passing', weight: 1, tags: e.tags ?? [], meta: e.meta })) };
}

describe('config entries over mesh.config.ts', () => {
  it('turns a resolver and a splitter into subsets and an 80/20 split of the default route, weights in hundredths', () => {
    const { config, origins, problems } = applyConfigEntries(undefined, entries('service-resolver', 'service-splitter'));
    const api = config?.policies.get('api');
    expect(api?.subsets).toEqual([
      { name: 'v1', tags: [], meta: { version: '1' } },
      { name: 'v2', tags: ['v2'], meta: { version: '2' } },
    ]);
    expect(api?.connectTimeoutMs).toBe(3000);
    expect(api?.routes.at(-1)?.split).toEqual([
      { subset: 'v1', weight: 8000 },
      { subset: 'v2', weight: 2000, requestHeaders: { add: {}, set: { 'x-split': 'v2' }, remove: [] } },
    ]);
    expect(origins.get('api')).toEqual({ subsets: 'service-resolver/api', connectTimeout: 'service-resolver/api', failover: 'service-resolver/api', split: 'service-splitter/api' });
    expect(problems).toEqual([]);
  });

  it("sends the default route to the resolver's DefaultSubset when there is no splitter", () => {
    const { config } = applyConfigEntries(undefined, entries('service-resolver'));
    expect(config?.policies.get('api')?.routes.at(-1)?.split).toEqual([{ subset: 'v1', weight: 100 }]);
  });

  it('puts the router routes before the default route, with matches, rewrite, timeout and retries', () => {
    const { config } = applyConfigEntries(undefined, entries('service-resolver', 'service-splitter', 'service-router'));
    const [admin, last] = config!.policies.get('api')!.routes;
    expect(admin).toMatchObject({
      path: { kind: 'prefix', value: '/admin' },
      headers: [{ name: 'x-debug', kind: 'exact', value: '1', invert: false }],
      queryParams: [{ name: 'q', kind: 'present' }],
      methods: ['GET'],
      rewritePrefix: '/',
      split: [{ subset: 'v2', weight: 100 }],
      timeoutMs: 2000,
      retries: { retryOn: 'connect-failure,retriable-status-codes', numRetries: 3, retriableStatusCodes: [503] },
    });
    expect(last?.split.map((t) => t.weight)).toEqual([8000, 2000]);
  });

  it('lets an entry win over mesh.config.ts and reports the overlap with both sources named', () => {
    const declared = policy('api', { subsets: [{ name: 'blue', tags: ['blue'], meta: {} }], routes: [route({ split: [{ subset: 'blue', weight: 1 }] })], connectTimeoutMs: 250, loadBalancer: 'least_request' });
    const { config, problems } = applyConfigEntries(dsl(declared), entries('service-resolver', 'service-splitter'));
    expect(config?.policies.get('api')?.subsets.map((s) => s.name)).toEqual(['v1', 'v2']);
    // What no entry sets stays with mesh.config.ts.
    expect(config?.policies.get('api')?.loadBalancer).toBe('least_request');
    expect(problems).toEqual([
      'api: service-resolver/api and mesh.config.ts (services.api.traffic.subsets) both set subsets; service-resolver/api wins',
      'api: service-resolver/api and mesh.config.ts (services.api.traffic.timeouts.connect) both set connectTimeout; service-resolver/api wins',
      'api: service-splitter/api and mesh.config.ts (services.api.traffic.split) both set split; service-splitter/api wins',
    ]);
  });

  it("sends a split to another service, or to a subset it lacks to the whole service, saying so", () => {
    const all = entries('service-splitter');
    const splitter = all.splitters.get('api')!;
    const other: ConsulConfigEntries = { ...all, splitters: new Map([['api', { ...splitter, splits: [{ ...splitter.splits[0]!, service: 'api-v2', subset: undefined, weight: 50 }, { ...splitter.splits[1]!, weight: 50 }] }]]) };
    const { config, problems } = applyConfigEntries(undefined, other);
    expect(config?.policies.get('api')?.routes.at(-1)?.split.map((t) => [t.service, t.subset, t.weight])).toEqual([
      ['api-v2', undefined, 5000],
      [undefined, undefined, 5000],
    ]);
    expect(problems).toEqual(['service-splitter/api: api has no subset "v2" here; its traffic goes to the whole service']);
  });

  it('keeps mesh.config.ts as it is when there are no entries', () => {
    const config = dsl(policy('api'));
    expect(applyConfigEntries(config, NO_CONFIG_ENTRIES).config).toBe(config);
  });

  it('takes the protocol from service-defaults, then the registration, then proxy-defaults', () => {
    const all = entries('service-defaults', 'proxy-defaults');
    const grpcGlobal: ConsulConfigEntries = { ...all, proxyDefaults: { ...all.proxyDefaults!, protocol: 'grpc' } };
    expect(entryProtocol(grpcGlobal, { name: 'api', protocol: 'tcp', protocolDeclared: true, endpoints: [] })).toBe('http');
    expect(entryProtocol(grpcGlobal, { name: 'web', protocol: 'tcp', protocolDeclared: true, endpoints: [] })).toBe('tcp');
    expect(entryProtocol(grpcGlobal, { name: 'web', protocol: 'http', endpoints: [] })).toBe('grpc');
  });

  it('encodes the split as weighted subset clusters with the split request headers, and the router match with its query parameter', () => {
    const { config } = applyConfigEntries(undefined, entries('service-resolver', 'service-splitter', 'service-router'));
    const api = service('api', [{ port: 1, meta: { version: '1' } }, { port: 2, meta: { version: '2' }, tags: ['v2'] }]);
    const model: MeshModel = { services: new Map([['api', api]]), ...(config ? { config } : {}) };
    const snapshot = MeshSnapshot.build(model);
    const view = snapshot.viewFor({ id: 'web-1', service: 'web', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS }, undefined);
    const routes = decodeResource(view.resource(TypeUrl.Route, upstreamRouteName('api'))).virtual_hosts[0].routes;
    expect(routes[0].match).toEqual({ prefix: '/admin', headers: [{ name: 'x-debug', string_match: { exact: '1' } }, { name: ':method', string_match: { exact: 'GET' } }], query_parameters: [{ name: 'q', present_match: true }] });
    expect(routes[0].route.cluster).toBe('api~v2');
    expect(routes[1].route.weighted_clusters.clusters).toEqual([
      { name: 'api~v1', weight: { value: 8000 } },
      { name: 'api~v2', weight: { value: 2000 }, request_headers_to_add: [{ header: { key: 'x-split', value: 'v2' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }] },
    ]);
    expect(snapshot.endpoints.has('api~v1') && snapshot.endpoints.has('api~v2')).toBe(true);
  });
});

describe('service-resolver failover', () => {
  it("puts the failover target's endpoints at priority 1 of the service's ClusterLoadAssignment, and moves them as the target changes", () => {
    const { config, origins } = applyConfigEntries(undefined, entries('service-resolver'));
    expect(config?.policies.get('api')?.failover).toEqual([{ subset: '*', targets: [{ service: 'api-backup', subset: undefined }] }]);
    expect(origins.get('api')?.failover).toBe('service-resolver/api');
    const api = service('api', [{ port: 1, meta: { version: '1' } }]);
    const backup = service('api-backup', [{ port: 9, meta: {} }]);
    const model = (b: ServiceModel): MeshModel => ({ services: new Map([['api', api], ['api-backup', b]]), ...(config ? { config } : {}) });
    const first = MeshSnapshot.build(model(backup));
    const levels = (s: MeshSnapshot, name: string) =>
      (decodeResource(s.endpoints.get(name)).endpoints as Array<{ priority?: number; lb_endpoints?: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }> }>).map((l) => [
        l.priority ?? 0,
        (l.lb_endpoints ?? []).map((e) => e.endpoint.address.socket_address.port_value),
      ]);
    expect(levels(first, 'api')).toEqual([[0, [1]], [1, [9]]]);
    // The subset clusters fail over too ("*"), each keeping its own priority 0.
    expect(levels(first, 'api~v1')).toEqual([[0, [1]], [1, [9]]]);
    expect(levels(first, 'api~v2')).toEqual([[0, []], [1, [9]]]);
    const moved = MeshSnapshot.build(model(service('api-backup', [{ port: 10, meta: {} }])), first);
    expect(levels(moved, 'api')).toEqual([[0, [1]], [1, [10]]]);
  });
});
