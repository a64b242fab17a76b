import { ADS } from './config-source';
import { applyConfigEntries } from './config-entry-policy';
import { callerOverride } from './caller-upstreams';
import { MeshSnapshot } from './mesh-snapshot';
import type { MeshModel, ProxyIdentity, ServiceModel } from './model';
import { policy } from './policy-fixtures.spec-helper';
import { combineConfigEntries, parseConfigEntries } from '../consul/config-entries';
import { decodeResource, durationMs } from '../resources/decode.spec-helper';
import { TypeUrl } from '../resources/type-url';

function service(name: string): ServiceModel {
  return { name, protocol: 'http', endpoints: [{ id: `${name}-1`, address: '127.0.0.1', port: 8080, appPort: 8080, sidecarPort: undefined, health: 'passing', weight: 1, tags: [], meta: {} }] };
}

const proxyOf = (service: string): ProxyIdentity => ({ id: `${service}-1`, service, kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS });

/** What Consul's API answers for web's service-defaults: durations of this struct come back as nanoseconds. */
const webDefaults = {
  Kind: 'service-defaults',
  Name: 'web',
  UpstreamConfig: {
    Defaults: { ConnectTimeoutMs: 2500, Limits: { MaxConnections: 50 } },
    Overrides: [
      {
        Name: 'api',
        ConnectTimeoutMs: 1234,
        Limits: { MaxPendingRequests: 8, MaxConcurrentRequests: 9 },
        PassiveHealthCheck: { Interval: 3_000_000_000, MaxFailures: 4, EnforcingConsecutive5xx: 60, MaxEjectionPercent: 50, BaseEjectionTime: '6s' },
        BalanceOutboundConnections: 'exact_balance',
      },
    ],
  },
};

function entries(...raw: object[]) {
  return combineConfigEntries(new Map([['service-defaults', parseConfigEntries('service-defaults', raw, '/v1/config/service-defaults')]]));
}

describe("a caller's service-defaults UpstreamConfig", () => {
  it('is read with its overrides over its defaults, and what it does not serve is named', () => {
    const parsed = entries(webDefaults);
    const { config, problems } = applyConfigEntries(undefined, parsed);
    expect(callerOverride(config?.callerUpstreams?.get('web'), 'api')).toEqual({
      connectTimeoutMs: 1234,
      circuitBreaker: { maxConnections: 50, maxPendingRequests: 8, maxRequests: 9 },
      outlierDetection: { consecutive5xx: 4, enforcingConsecutive5xx: 60, intervalMs: 3000, baseEjectionTimeMs: 6000, maxEjectionPercent: 50 },
    });
    expect(callerOverride(config?.callerUpstreams?.get('web'), 'user')).toEqual({ connectTimeoutMs: 2500, circuitBreaker: { maxConnections: 50 }, outlierDetection: undefined });
    expect(problems).toEqual(['service-defaults/web: UpstreamConfig.Overrides[0].BalanceOutboundConnections is not served by this control plane and is ignored']);
  });

  it("shapes the caller's own copies of its upstreams' clusters, and no one else's", () => {
    const model: MeshModel = { services: new Map(['api', 'user', 'web', 'admin'].map((name) => [name, service(name)])) };
    const { config, problems } = applyConfigEntries(
      { version: 'v', policies: new Map([['api', policy('api', { connectTimeoutMs: 900, circuitBreaker: { maxConnections: 1, maxPendingRequests: 2, maxRequests: 3, maxRetries: 4 } })]]), upstreams: new Map(), gateway: undefined },
      entries(webDefaults),
    );
    const snapshot = MeshSnapshot.build({ ...model, config });
    const web = snapshot.viewFor(proxyOf('web'), undefined).resources(TypeUrl.Cluster);
    const admin = snapshot.viewFor(proxyOf('admin'), undefined).resources(TypeUrl.Cluster);

    const api = decodeResource(web.get('api'));
    expect(durationMs(api.connect_timeout as { seconds?: number; nanos?: number })).toBe(1234);
    // Fields the caller leaves alone keep the destination's policy (max_retries 4 from mesh.config.ts).
    expect(api.circuit_breakers).toEqual({ thresholds: [{ max_connections: { value: 50 }, max_pending_requests: { value: 8 }, max_requests: { value: 9 }, max_retries: { value: 4 } }] });
    expect(api.outlier_detection).toMatchObject({ consecutive_5xx: { value: 4 }, enforcing_consecutive_5xx: { value: 60 }, interval: { seconds: 3 }, base_ejection_time: { seconds: 6 }, max_ejection_percent: { value: 50 } });
    expect(durationMs(decodeResource(web.get('user')).connect_timeout as { seconds?: number; nanos?: number })).toBe(2500);

    expect(admin.get('api')).toBe(snapshot.clusters.get('api'));
    expect(durationMs(decodeResource(admin.get('api')).connect_timeout as { seconds?: number; nanos?: number })).toBe(900);
    expect(web.get('api')).not.toBe(snapshot.clusters.get('api'));
    expect(problems).toContain("api: service-defaults/web (UpstreamConfig) and mesh.config.ts (services.api.traffic.circuitBreaker) both set it; service-defaults/web wins for web's calls");
  });

  it("lets a Connect registration's own upstream Config win over the entry, for that sidecar", () => {
    const model: MeshModel = {
      services: new Map(['api', 'web'].map((name) => [name, service(name)])),
      connectProxies: new Map([
        [
          'web-1-sidecar-proxy',
          {
            id: 'web-1-sidecar-proxy',
            node: 'n1',
            service: 'web',
            publicPort: 21000,
            local: { address: '127.0.0.1', port: 8080 },
            upstreams: [{ service: 'api', address: '127.0.0.1', port: 9191, override: { connectTimeoutMs: 777, circuitBreaker: undefined, outlierDetection: undefined } }],
            expose: [],
            unsupported: [],
          },
        ],
      ]),
    };
    const { config } = applyConfigEntries(undefined, entries(webDefaults));
    const snapshot = MeshSnapshot.build({ ...model, config });
    const connect = snapshot.viewFor({ ...proxyOf('web'), id: 'web-1-sidecar-proxy' }, undefined).resources(TypeUrl.Cluster);
    const api = decodeResource(connect.get('api'));
    expect(durationMs(api.connect_timeout as { seconds?: number; nanos?: number })).toBe(777);
    // The entry's other fields still apply beneath it.
    expect(api.circuit_breakers).toEqual({ thresholds: [{ max_connections: { value: 50 }, max_pending_requests: { value: 8 }, max_requests: { value: 9 } }] });
  });
});
