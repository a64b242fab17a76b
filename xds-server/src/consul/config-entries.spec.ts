import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConfigEntryKind, combineConfigEntries, parseConfigEntries } from './config-entries';
import { ConsulResponseError } from './consul-errors';

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
