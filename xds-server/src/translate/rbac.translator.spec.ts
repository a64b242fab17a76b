import { encodeResource } from '../resources/resource-encoder';
import { TypeUrl } from '../resources/type-url';
import { protoRoundTrip } from './proto-roundtrip.spec-helper';
import { httpRbacFilter, networkRbacFilter, rbacRules } from './rbac.translator';
import type { MeshIdentity } from './tls-context';

const IDENTITY: MeshIdentity = { trustDomain: 'td.consul', datacenter: 'dc1' };
const principal = (service: string): object => ({ authenticated: { principal_name: { exact: `spiffe://td.consul/ns/default/dc/dc1/svc/${service}` } } });

describe('RBAC from allowedCallers', () => {
  it('allows exactly the listed callers by SPIFFE principal, one named policy each, in a stable order', () => {
    expect(rbacRules(['web', 'gateway', 'web'], IDENTITY)).toEqual({
      action: 'ALLOW',
      policies: {
        'allow:gateway': { permissions: [{ any: true }], principals: [principal('gateway')] },
        'allow:web': { permissions: [{ any: true }], principals: [principal('web')] },
      },
    });
  });

  it('adds no filter when allowedCallers is undefined (every mesh caller allowed), and denies all for an empty list', () => {
    expect(httpRbacFilter(undefined, IDENTITY)).toBeUndefined();
    expect(networkRbacFilter(undefined, IDENTITY, 'db')).toBeUndefined();
    expect(rbacRules([], IDENTITY)).toEqual({ action: 'ALLOW', policies: {} });
  });

  it('the HTTP filter is a valid envoy.filters.http.rbac inside an HTTP connection manager', () => {
    const filter = httpRbacFilter(['web'], IDENTITY) as object;
    const hcm = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: 'inbound',
      route_config: { name: 'inbound' },
      http_filters: [filter, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    };
    const listener = { name: 'inbound', filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }] };
    const decoded = protoRoundTrip(TypeUrl.Listener, listener) as { filter_chains: Array<{ filters: Array<{ typed_config: { http_filters: unknown[] } }> }> };
    expect(decoded.filter_chains[0]?.filters[0]?.typed_config.http_filters[0]).toEqual({
      name: 'envoy.filters.http.rbac',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC',
        rules: { action: 'ALLOW', policies: { 'allow:web': { permissions: [{ any: true }], principals: [principal('web')] } } },
      },
    });
  });

  it('the network filter is a valid envoy.filters.network.rbac before tcp_proxy', () => {
    const filter = networkRbacFilter(['web'], IDENTITY, 'inbound_db') as object;
    const tcpProxy = {
      name: 'envoy.filters.network.tcp_proxy',
      typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'inbound_db', cluster: 'local_app' },
    };
    const listener = { name: 'inbound', filter_chains: [{ filters: [filter, tcpProxy] }] };
    const decoded = protoRoundTrip(TypeUrl.Listener, listener) as { filter_chains: Array<{ filters: unknown[] }> };
    expect(decoded.filter_chains[0]?.filters[0]).toEqual({
      name: 'envoy.filters.network.rbac',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC',
        stat_prefix: 'inbound_db',
        rules: { action: 'ALLOW', policies: { 'allow:web': { permissions: [{ any: true }], principals: [principal('web')] } } },
      },
    });
    expect(encodeResource(TypeUrl.Listener, 'inbound', listener).version).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('RBAC from L7 intentions', () => {
  const deny = (prefix: string) => ({ action: 'deny' as const, path: { kind: 'prefix' as const, value: prefix }, methods: [], headers: [] });
  const allow = (prefix: string, methods: string[] = []) => ({ action: 'allow' as const, path: { kind: 'prefix' as const, value: prefix }, methods, headers: [] });
  const prefix = (value: string) => ({ url_path: { path: { prefix: value } } });

  it('lets a request in only through an allow that no earlier entry matched (first match decides)', () => {
    const rules = rbacRules(['web'], IDENTITY, { web: [deny('/admin'), allow('/', ['GET', 'POST'])] }) as { policies: Record<string, { permissions: unknown[] }> };
    expect(rules.policies['allow:web']!.permissions).toEqual([
      {
        and_rules: {
          rules: [
            { and_rules: { rules: [prefix('/'), { or_rules: { rules: [{ header: { name: ':method', string_match: { exact: 'GET' } } }, { header: { name: ':method', string_match: { exact: 'POST' } } }] } }] } },
            { not_rule: prefix('/admin') },
          ],
        },
      },
    ]);
  });

  it('denies every request of a caller whose permissions allow nothing, and drops such a caller from TCP RBAC', () => {
    const rules = rbacRules(['web'], IDENTITY, { web: [deny('/')] }) as { policies: Record<string, { permissions: unknown[] }> };
    expect(rules.policies['allow:web']!.permissions).toEqual([{ not_rule: { any: true } }]);
    const tcp = networkRbacFilter(['api', 'web'], IDENTITY, 'inbound', { web: [allow('/')] }) as { typed_config: { rules: { policies: object } } };
    expect(Object.keys(tcp.typed_config.rules.policies)).toEqual(['allow:api']);
  });

  it('encodes into a valid RBAC filter, headers and regexes included', () => {
    const permissions = [
      { action: 'allow' as const, path: { kind: 'regex' as const, value: '/v[0-9]+/.*' }, methods: [], headers: [{ name: 'x-env', invert: true, match: { kind: 'exact' as const, value: 'prod' } }, { name: 'x-debug', invert: false, match: { kind: 'present' as const } }] },
    ];
    const filter = httpRbacFilter(['web'], IDENTITY, { web: permissions }) as object;
    const hcm = {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      stat_prefix: 'inbound',
      route_config: { name: 'inbound' },
      http_filters: [filter, { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
    };
    const decoded = protoRoundTrip(TypeUrl.Listener, { name: 'inbound', filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: hcm }] }] }) as {
      filter_chains: Array<{ filters: Array<{ typed_config: { http_filters: Array<{ typed_config: { rules: { policies: Record<string, { permissions: unknown[] }> } } }> } }> }>;
    };
    expect(decoded.filter_chains[0]!.filters[0]!.typed_config.http_filters[0]!.typed_config.rules.policies['allow:web']!.permissions).toEqual([
      {
        and_rules: {
          rules: [
            { url_path: { path: { safe_regex: { regex: '/v[0-9]+/.*' } } } },
            { header: { name: 'x-env', string_match: { exact: 'prod' }, invert_match: true } },
            { header: { name: 'x-debug', present_match: true } },
          ],
        },
      },
    ]);
  });
});
