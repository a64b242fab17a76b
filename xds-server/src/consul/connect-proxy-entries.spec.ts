import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConsulResponseError } from './consul-errors';
import { parseHealthEntries } from './health-entries';

/** `/v1/health/service/<name>-sidecar-proxy` as Consul 1.22.6 answered for `sidecar_service` registrations (indexes trimmed). */
function fixture(name: string): unknown[] {
  return JSON.parse(readFileSync(join(__dirname, 'fixtures', `health-service-${name}.json`), 'utf8')) as unknown[];
}

describe('parseHealthEntries on Connect proxy registrations', () => {
  it('reads the Proxy block of a sidecar_service registration: destination, local service, upstreams and exposed paths', () => {
    const [web] = parseHealthEntries(fixture('web-sidecar-proxy'), '/v1/health/service/web-sidecar-proxy', 'web-sidecar-proxy');
    expect(web).toMatchObject({ id: 'web-1-sidecar-proxy', port: 21502, address: '127.0.0.1' });
    expect(web?.connectProxy).toEqual({
      destinationService: 'web',
      destinationServiceId: 'web-1',
      localServiceAddress: '127.0.0.1',
      localServicePort: 8081,
      mode: '',
      upstreams: [{ destinationType: 'service', destinationName: 'api', datacenter: '', localBindAddress: '127.0.0.1', localBindPort: 9191 }],
      exposePaths: [{ path: '/health', localPathPort: 8081, listenerPort: 21600, protocol: 'http' }],
      ignored: [],
    });
  });

  it('lists each field it does not serve with its path: escape-hatch Config, other namespaces and peers, mesh gateways, exposed checks', () => {
    const entries = structuredClone(fixture('web-sidecar-proxy')) as Array<{ Service: { Proxy: Record<string, unknown> & { Upstreams: Array<Record<string, unknown>>; Expose: Record<string, unknown> } } }>;
    const proxy = entries[0]!.Service.Proxy;
    proxy.Config = { envoy_extra_static_clusters_json: '{}' };
    proxy.Expose.Checks = true;
    Object.assign(proxy.Upstreams[0]!, { Config: { connect_timeout_ms: 500, envoy_cluster_json: '{}' }, DestinationPeer: 'east', DestinationNamespace: 'default', MeshGateway: { Mode: 'local' } });
    const [web] = parseHealthEntries(entries, '/v1/health/service/web-sidecar-proxy', 'web-sidecar-proxy');
    expect(web?.connectProxy?.ignored).toEqual([
      'Proxy.Config.envoy_extra_static_clusters_json: not served',
      'Proxy.Upstreams[0].Config.envoy_cluster_json: not served',
      'Proxy.Upstreams[0].DestinationPeer "east": peered clusters are not served',
      'Proxy.Upstreams[0].MeshGateway.Mode "local": mesh gateways are not served',
      'Proxy.Expose.Checks: the checks are not exposed; list their paths in Proxy.Expose.Paths',
    ]);
  });

  it("reads an upstream's connect timeout, limits and passive health check from its Config, as Consul merges them there or as written by hand", () => {
    const entries = structuredClone(fixture('web-sidecar-proxy')) as Array<{ Service: { Proxy: Record<string, unknown> & { Upstreams: Array<Record<string, unknown>> } } }>;
    const proxy = entries[0]!.Service.Proxy;
    proxy.Config = { protocol: 'http' };
    // What Consul's agent writes from service-defaults: the structs, durations in nanoseconds.
    proxy.Upstreams[0]!.Config = {
      protocol: 'http',
      connect_timeout_ms: 1234,
      limits: { MaxConnections: 7, MaxPendingRequests: 8 },
      passive_health_check: { Interval: 3_000_000_000, MaxFailures: 4, BaseEjectionTime: 6_000_000_000 },
    };
    const [merged] = parseHealthEntries(entries, '/v1/health/service/web-sidecar-proxy', 'web-sidecar-proxy');
    expect(merged?.connectProxy?.ignored).toEqual([]);
    expect(merged?.connectProxy?.protocol).toBe('http');
    expect(merged?.connectProxy?.upstreams[0]).toMatchObject({
      protocol: 'http',
      settings: {
        connectTimeoutMs: 1234,
        limits: { maxConnections: 7, maxPendingRequests: 8, maxConcurrentRequests: undefined },
        passiveHealthCheck: { intervalMs: 3000, maxFailures: 4, baseEjectionTimeMs: 6000 },
      },
    });

    proxy.Upstreams[0]!.Config = { limits: { max_concurrent_requests: 9 }, passive_health_check: { interval: '2s', enforcing_consecutive_5xx: 60 } };
    const [handWritten] = parseHealthEntries(entries, '/v1/health/service/web-sidecar-proxy', 'web-sidecar-proxy');
    expect(handWritten?.connectProxy?.upstreams[0]?.settings).toMatchObject({ limits: { maxConcurrentRequests: 9 }, passiveHealthCheck: { intervalMs: 2000, enforcingConsecutive5xx: 60 } });
  });

  it('keeps a critical sidecar (its Envoy is not listening yet), marked critical, where an ordinary critical instance is dropped', () => {
    const entries = fixture('api-sidecar-proxy');
    const [api] = parseHealthEntries(entries, '/v1/health/service/api-sidecar-proxy', 'api-sidecar-proxy');
    expect(api?.health).toBe('critical');
    expect(api?.connectProxy?.destinationService).toBe('api');
    expect(api?.tags).toEqual(['v1']);

    const ordinary = structuredClone(entries) as Array<{ Service: Record<string, unknown> }>;
    delete ordinary[0]!.Service.Kind;
    expect(parseHealthEntries(ordinary, '/v1/health/service/api', 'api')).toEqual([]);
  });

  it('names the field of a malformed Proxy block', () => {
    const entries = structuredClone(fixture('web-sidecar-proxy')) as Array<{ Service: { Proxy: { Upstreams: Array<Record<string, unknown>> } } }>;
    entries[0]!.Service.Proxy.Upstreams[0]!.LocalBindPort = '9191';
    expect(() => parseHealthEntries(entries, '/v1/health/service/web-sidecar-proxy', 'web-sidecar-proxy')).toThrow(ConsulResponseError);
    expect(() => parseHealthEntries(entries, '/v1/health/service/web-sidecar-proxy', 'web-sidecar-proxy')).toThrow(/\[0\]\.Service\.Proxy\.Upstreams\[0\]\.LocalBindPort should be an integer/);
  });
});
