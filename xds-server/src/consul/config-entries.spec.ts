import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigEntryKind, combineConfigEntries, parseConfigEntries } from './config-entries';
import { ConsulResponseError } from './consul-errors';
import type { IngressGatewayEntry } from './ingress-gateway-entry';

/** `/v1/config/<kind>` as Consul 1.22.6 answered after `consul config write` of each entry (indexes and hashes trimmed). */
function fixture(kind: ConfigEntryKind): unknown[] {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `config-${kind}.json`), 'utf8')) as unknown[];
}

const parse = (kind: ConfigEntryKind, body: unknown = fixture(kind)) => parseConfigEntries(kind, body, `/v1/config/${kind}`);

describe('parseConfigEntries', () => {
  it('reads a service-resolver: subsets, default subset, connect timeout and failover targets', () => {
    const [resolver] = parse('service-resolver');
    expect(resolver).toMatchObject({
      kind: 'service-resolver',
      source: 'service-resolver/api',
      defaultSubset: 'v1',
      connectTimeoutMs: 3000,
      subsets: [
        { name: 'v1', filter: 'Service.Meta.version == 1', onlyPassing: false },
        { name: 'v2', filter: '"v2" in Service.Tags and Service.Meta.version == 2', onlyPassing: false },
      ],
      failover: [{ subset: '*', targets: [{ service: 'api-backup', subset: undefined }] }],
      unsupported: [],
    });
  });

  it('reads a service-splitter with its weights and request headers', () => {
    const [splitter] = parse('service-splitter');
    expect(splitter).toMatchObject({
      splits: [
        { weight: 80, service: undefined, subset: 'v1', requestHeaders: undefined },
        { weight: 20, service: undefined, subset: 'v2', requestHeaders: { add: {}, set: { 'x-split': 'v2' }, remove: [] } },
      ],
    });
  });

  it('reads a service-router: path, header, query and method matches, and the destination with its retries', () => {
    const [router] = parse('service-router');
    expect(router).toMatchObject({
      routes: [
        {
          match: {
            path: { kind: 'prefix', value: '/admin' },
            headers: [{ name: 'x-debug', kind: 'exact', value: '1', invert: false }],
            queryParams: [{ name: 'q', kind: 'present', value: '' }],
            methods: ['GET'],
          },
          destination: { service: 'api', subset: 'v2', prefixRewrite: '/', requestTimeoutMs: 2000, numRetries: 3, retryOnConnectFailure: true, retryOnStatusCodes: [503], retryOn: [] },
        },
      ],
    });
  });

  it('reads the protocol and local timeouts of service-defaults and of proxy-defaults, and lists what else an entry sets as not served', () => {
    const [service] = parse('service-defaults');
    const body = structuredClone(fixture('proxy-defaults')) as Array<Record<string, unknown>>;
    body[0]!.Config = { protocol: 'http', local_connect_timeout_ms: 500, envoy_prometheus_bind_addr: '0.0.0.0:9102' };
    body[0]!.AccessLogs = { Enabled: true };
    const [proxy] = parse('proxy-defaults', body);
    expect(service).toMatchObject({ protocol: 'http', unsupported: [] });
    expect(proxy).toMatchObject({ protocol: 'http', localConnectTimeoutMs: 500, unsupported: ['proxy-defaults/global: AccessLogs', 'proxy-defaults/global: Config.envoy_prometheus_bind_addr'] });
    const all = combineConfigEntries(new Map([['proxy-defaults', [proxy!]], ['service-defaults', [service!]]]));
    expect(all.proxyDefaults?.protocol).toBe('http');
    expect(all.serviceDefaults.get('api')?.protocol).toBe('http');
  });

  it('reads an ingress-gateway: listeners with their protocol, services, hosts and header changes, and what it does not serve', () => {
    const [gateway] = parse('ingress-gateway');
    expect(gateway).toEqual({
      kind: 'ingress-gateway',
      name: 'ingress',
      source: 'ingress-gateway/ingress',
      listeners: [
        {
          port: 8080,
          protocol: 'http',
          services: [
            { name: 'api', hosts: [], requestHeaders: { add: { 'x-via': 'ingress' }, set: {}, remove: ['x-drop'] }, responseHeaders: { add: {}, set: { 'x-gateway': 'ingress' }, remove: [] } },
            {
              name: 'api-backup',
              hosts: ['backup.example.com'],
              requestHeaders: undefined,
              responseHeaders: undefined,
              settings: { connectTimeoutMs: undefined, limits: { maxConnections: 10, maxPendingRequests: undefined, maxConcurrentRequests: undefined }, passiveHealthCheck: undefined },
            },
          ],
        },
        { port: 8443, protocol: 'http', services: [{ name: '*', hosts: [], requestHeaders: undefined, responseHeaders: undefined }] },
        { port: 9000, protocol: 'tcp', services: [{ name: 'db', hosts: [], requestHeaders: undefined, responseHeaders: undefined }] },
      ],
      unsupported: [],
    });
    expect(combineConfigEntries(new Map([['ingress-gateway', [gateway!]]])).ingressGateways.get('ingress')).toBe(gateway);
    const body = structuredClone(fixture('ingress-gateway')) as Array<{ TLS: object; Listeners: Array<{ Protocol?: string; Services: Array<Record<string, unknown>> }> }>;
    body[0]!.TLS = { Enabled: true };
    (body[0] as Record<string, unknown>).Defaults = { MaxPendingRequests: 5, PassiveHealthCheck: { Interval: 2000000000, MaxFailures: 3 }, SomethingNew: 1 };
    delete body[0]!.Listeners[2]!.Protocol;
    body[0]!.Listeners[0]!.Services[0]!.Namespace = 'team-a';
    const [changed] = parse('ingress-gateway', body) as Array<IngressGatewayEntry>;
    expect(changed!.unsupported).toEqual(['ingress-gateway/ingress: TLS', 'ingress-gateway/ingress: Defaults.SomethingNew', 'ingress-gateway/ingress: Listeners[0].Services[0].Namespace "team-a"']);
    // Consul's API returns the Defaults' durations in nanoseconds.
    expect(changed!.defaults).toEqual({
      connectTimeoutMs: undefined,
      limits: { maxConnections: undefined, maxPendingRequests: 5, maxConcurrentRequests: undefined },
      passiveHealthCheck: { intervalMs: 2000, maxFailures: 3, enforcingConsecutive5xx: undefined, maxEjectionPercent: undefined, baseEjectionTimeMs: undefined },
    });
    expect(changed!.listeners.map((l) => [l.protocol, l.services.map((s) => s.name)])).toEqual([['http', ['api-backup']], ['http', ['*']], ['tcp', ['db']]]);
  });

  it('names the field of a malformed entry', () => {
    const body = structuredClone(fixture('service-resolver')) as Array<Record<string, unknown>>;
    body[0]!.ConnectTimeout = 'soon';
    expect(() => parse('service-resolver', body)).toThrow(ConsulResponseError);
    expect(() => parse('service-resolver', body)).toThrow(/\[0\]\.ConnectTimeout should be a duration such as "5s"/);
    const splits = structuredClone(fixture('service-splitter')) as Array<{ Splits: Array<Record<string, unknown>> }>;
    splits[0]!.Splits[0]!.Weight = 180;
    expect(() => parse('service-splitter', splits)).toThrow(/\[0\]\.Splits\[0\]\.Weight should be a number from 0 to 100/);
  });

  it('leaves out entries of other namespaces and partitions', () => {
    const body = structuredClone(fixture('service-router')) as Array<Record<string, unknown>>;
    body[0]!.Partition = 'team-b';
    expect(parse('service-router', body)).toEqual([]);
  });
});
