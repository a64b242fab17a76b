import { decodeResource, durationMs } from '../resources/decode.spec-helper';
import { encodeResource } from '../resources/resource-encoder';
import { TypeUrl } from '../resources/type-url';
import type { ServiceModel } from './model';
import { policy, route, SAFE_RETRY_DECODED } from './policy-fixtures.spec-helper';
import { gatewayRouteConfiguration, outboundDomains, outboundScope, upstreamRouteConfiguration } from './route.translator';

const svc = (name: string): ServiceModel => ({ name, protocol: 'http', endpoints: [] });

const encoded = (message: object) => decodeResource(encodeResource(TypeUrl.Route, 'r', message));

const canary = policy('notification', {
  subsets: [
    { name: 'v1', tags: [], meta: { version: 'v1' } },
    { name: 'v2', tags: ['v2'], meta: {} },
  ],
  routes: [
    route({
      path: { kind: 'prefix', value: '/api/' },
      headers: [
        { name: 'x-user', kind: 'exact', value: 'alice' },
        { name: 'x-tenant', kind: 'prefix', value: 'acme-' },
        { name: 'x-trace', kind: 'regex', value: '[0-9a-f]+' },
        { name: 'x-debug', kind: 'present', value: true },
      ],
      methods: ['GET', 'POST'],
      rewritePrefix: '/',
      split: [
        { subset: 'v1', weight: 90 },
        { subset: 'v2', weight: 10 },
      ],
      retries: {
        retryOn: '5xx,reset',
        numRetries: 3,
        perTryTimeoutMs: 500,
        backoff: { baseMs: 25, maxMs: 250 },
        retriableStatusCodes: [503],
        budget: undefined,
      },
      timeoutMs: 2000,
      idleTimeoutMs: 60_000,
      fault: { delay: { percent: 5, durationMs: 100 }, abort: { percent: 0.5, httpStatus: 503 } },
    }),
    route({ path: { kind: 'exact', value: '/health' }, methods: ['GET'] }),
    route({ path: { kind: 'regex', value: '/v[0-9]+/.*' }, split: [{ subset: 'v2', weight: 1 }, { subset: 'v1', weight: 0 }] }),
    route({ split: [{ subset: undefined, weight: 50 }, { subset: 'v2', weight: 50 }] }),
  ],
});

describe('outboundScope', () => {
  it("maps each Host of a service to that service's own route configuration", () => {
    const scopes = outboundDomains('echo').map((domain) => decodeResource(encodeResource(TypeUrl.ScopedRoute, `outbound:${domain}`, outboundScope('echo', domain))));
    expect(scopes).toEqual([
      { name: 'outbound:echo', route_configuration_name: 'upstream:echo', key: { fragments: [{ string_key: 'echo' }] } },
      { name: 'outbound:echo.service.consul', route_configuration_name: 'upstream:echo', key: { fragments: [{ string_key: 'echo.service.consul' }] } },
    ]);
  });
});

describe('serviceRoutes in a route configuration', () => {
  it('keeps the single prefix / route for a service without a policy', () => {
    const config = encoded(upstreamRouteConfiguration(svc('echo'), undefined));
    expect(config.virtual_hosts).toEqual([{ name: 'echo', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'echo', retry_policy: SAFE_RETRY_DECODED } }] }]);
  });

  it("translates a policy's routes in order: matches, rewrite, split, timeouts, retries and fault", () => {
    const config = encoded(upstreamRouteConfiguration(svc('notification'), canary));
    const [api, health, regex, catchAll] = config.virtual_hosts[0].routes;
    expect(api.match).toEqual({
      prefix: '/api/',
      headers: [
        { name: 'x-user', string_match: { exact: 'alice' } },
        { name: 'x-tenant', string_match: { prefix: 'acme-' } },
        { name: 'x-trace', string_match: { safe_regex: { regex: '[0-9a-f]+' } } },
        { name: 'x-debug', present_match: true },
        { name: ':method', string_match: { safe_regex: { regex: 'GET|POST' } } },
      ],
    });
    const { timeout, idle_timeout, retry_policy, ...action } = api.route;
    expect(action).toEqual({
      prefix_rewrite: '/',
      weighted_clusters: {
        clusters: [
          { name: 'notification~v1', weight: { value: 90 } },
          { name: 'notification~v2', weight: { value: 10 } },
        ],
      },
    });
    expect([durationMs(timeout), durationMs(idle_timeout)]).toEqual([2000, 60_000]);
    const { per_try_timeout, retry_back_off, ...retry } = retry_policy;
    expect(retry).toEqual({ retry_on: '5xx,reset', num_retries: { value: 3 }, retriable_status_codes: [503] });
    expect(durationMs(per_try_timeout)).toBe(500);
    expect([durationMs(retry_back_off.base_interval), durationMs(retry_back_off.max_interval)]).toEqual([25, 250]);
    const fault = api.typed_per_filter_config['envoy.filters.http.fault'];
    expect(fault['@type']).toBe('type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault');
    expect(fault.abort).toEqual({ http_status: 503, percentage: { numerator: 5000, denominator: 'MILLION' } });
    expect(fault.delay.percentage).toEqual({ numerator: 50_000, denominator: 'MILLION' });
    expect(durationMs(fault.delay.fixed_delay)).toBe(100);

    expect(health).toEqual({ match: { path: '/health', headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, route: { cluster: 'notification', retry_policy: SAFE_RETRY_DECODED } });
    // A zero weight is left out, and a split of one target is a plain cluster.
    expect(regex).toEqual({ match: { safe_regex: { regex: '/v[0-9]+/.*' } }, route: { cluster: 'notification~v2', retry_policy: SAFE_RETRY_DECODED } });
    expect(catchAll.route.weighted_clusters.clusters.map((c: { name: string }) => c.name)).toEqual(['notification', 'notification~v2']);
  });

  it('never points a route at a cluster other than the service or one of its declared subsets', () => {
    const config = encoded(upstreamRouteConfiguration(svc('notification'), canary));
    const targets = config.virtual_hosts[0].routes.flatMap((r: { route: { cluster?: string; weighted_clusters?: { clusters: Array<{ name: string }> } } }) =>
      r.route.cluster ? [r.route.cluster] : r.route.weighted_clusters!.clusters.map((c) => c.name),
    );
    expect(new Set(targets)).toEqual(new Set(['notification', 'notification~v1', 'notification~v2']));
  });
});

describe('upstreamRouteConfiguration', () => {
  it("is the service's routes under upstream:<service>, for any Host", () => {
    const config = encoded(upstreamRouteConfiguration(svc('notification'), canary));
    expect(config.name).toBe('upstream:notification');
    expect(config.virtual_hosts).toHaveLength(1);
    expect(config.virtual_hosts[0].domains).toEqual(['*']);
    expect(config.virtual_hosts[0].routes).toHaveLength(4);
  });
});

describe('gatewayRouteConfiguration', () => {
  it('routes by prefix with a rewrite, leaving out services the catalog does not list', () => {
    const routes = [
      { prefix: '/auth/', service: 'auth', rewritePrefix: '/', methods: [] },
      { prefix: '/ghost/', service: 'ghost', rewritePrefix: '/', methods: [] },
      { prefix: '/docs/', service: 'document', rewritePrefix: '/v1/', methods: [] },
    ];
    const config = encoded(gatewayRouteConfiguration(routes, new Map([svc('auth'), svc('document')].map((s) => [s.name, s]))));
    expect(config.virtual_hosts).toEqual([
      {
        name: 'gateway',
        domains: ['*'],
        routes: [
          { match: { prefix: '/auth/' }, route: { cluster: 'auth', prefix_rewrite: '/', retry_policy: SAFE_RETRY_DECODED } },
          { match: { prefix: '/docs/' }, route: { cluster: 'document', prefix_rewrite: '/v1/', retry_policy: SAFE_RETRY_DECODED } },
        ],
      },
    ]);
  });

  it('matches a prefix without a trailing slash by whole segments, forwards the path unchanged by default, and can publish only some methods', () => {
    const routes = [
      { prefix: '/users', service: 'user', rewritePrefix: undefined, methods: [] },
      { prefix: '/notifications', service: 'notification', rewritePrefix: undefined, methods: ['GET' as const] },
    ];
    const config = encoded(gatewayRouteConfiguration(routes, new Map([svc('user'), svc('notification')].map((s) => [s.name, s]))));
    expect(config.virtual_hosts[0].routes).toEqual([
      { match: { path_separated_prefix: '/users' }, route: { cluster: 'user', retry_policy: SAFE_RETRY_DECODED } },
      { match: { path_separated_prefix: '/notifications', headers: [{ name: ':method', string_match: { exact: 'GET' } }] }, route: { cluster: 'notification', retry_policy: SAFE_RETRY_DECODED } },
    ]);
  });
});
