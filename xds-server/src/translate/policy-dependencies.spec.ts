import { caSnapshotFixture } from '../consul/connect-ca.spec-helper';
import { PUSH_ORDER } from '../resources/type-url';
import { ADS } from './config-source';
import { MeshSnapshot } from './mesh-snapshot';
import type { MeshModel, ProxyIdentity, ServiceModel } from './model';
import { POLICY_DEPENDENCIES } from './policy-dependencies';
import { policy, route } from './policy-fixtures.spec-helper';
import type { TrafficPolicyModel } from './policy-model';

const endpoint = (id: string, port: number, version: string) => ({
  id,
  address: '127.0.0.1',
  port,
  appPort: port - 1000,
  sidecarPort: port,
  health: 'passing' as const,
  weight: 1,
  tags: [version],
  meta: { version },
});
const API: ServiceModel = { name: 'api', protocol: 'http', endpoints: [endpoint('api-1', 21001, 'v1'), endpoint('api-2', 21002, 'v2')] };
const WEB: ServiceModel = { name: 'web', protocol: 'http', endpoints: [endpoint('web-1', 21003, 'v1')] };
const CA = caSnapshotFixture({ api: 1, web: 1, gateway: 1, ingress: 1 });

const BASE: TrafficPolicyModel = policy('api', {
  subsets: [
    { name: 'v1', tags: [], meta: { version: 'v1' } },
    { name: 'v2', tags: [], meta: { version: 'v2' } },
  ],
  routes: [route({ split: [{ subset: 'v1', weight: 90 }, { subset: 'v2', weight: 10 }] })],
  mtls: 'permissive',
});

/**
 * Another value for every field but the policy's own service name. The type makes a new field
 * of the model a compile error here until it has one, so it cannot escape this check.
 */
const ALTERED: { [K in Exclude<keyof TrafficPolicyModel, 'service'>]-?: TrafficPolicyModel[K] } = {
  subsets: [
    { name: 'v1', tags: ['v2'], meta: {} },
    { name: 'v2', tags: [], meta: { version: 'v2' } },
  ],
  routes: [route({ timeoutMs: 1234, split: [{ subset: 'v1', weight: 50 }, { subset: 'v2', weight: 50 }] })],
  connectTimeoutMs: 2500,
  circuitBreaker: { maxConnections: 7, maxPendingRequests: 3, maxRequests: undefined, maxRetries: undefined },
  retryBudget: { percent: 30, minRetryConcurrency: 2 },
  outlierDetection: { consecutive5xx: 4, consecutiveGatewayErrors: undefined, intervalMs: 1000, baseEjectionTimeMs: 5000, maxEjectionPercent: 20 },
  loadBalancer: 'least_request',
  mtls: 'strict',
  allowedCallers: ['web'],
  failover: [{ subset: '*', targets: [{ service: 'web', subset: undefined }] }],
};

function mesh(api: TrafficPolicyModel): MeshModel {
  return {
    services: new Map([
      ['api', API],
      ['web', WEB],
    ]),
    config: {
      version: JSON.stringify(api),
      policies: new Map([['api', api]]),
      upstreams: new Map([['web', [{ service: 'api', localBindPort: 16001 }]]]),
      gateway: { name: 'gateway', port: 8080, routes: [{ prefix: '/api', service: 'api', rewritePrefix: undefined, methods: [] }] },
    },
    ca: CA,
    gateways: new Map([['ingress', { id: 'ingress', service: 'ingress', kind: 'ingress-gateway', address: '127.0.0.1', unsupported: [] }]]),
    ingressGateways: new Map([['ingress', { source: 'ingress-gateway/ingress', listeners: [{ port: 8443, protocol: 'http', services: [{ service: 'api', domains: ['api.ingress.*'] }] }] }]]),
  };
}

const proxies: Array<[ProxyIdentity, string | undefined]> = [
  [{ id: 'web-1', service: 'web', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS }, 'web-1'],
  [{ id: 'api-1', service: 'api', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS }, 'api-1'],
  [{ id: 'gw', service: 'gateway', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS }, undefined],
  [{ id: 'ingress', service: 'ingress', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS }, undefined],
  [{ id: 'web-per-type', service: 'web', kind: 'envoy', outboundAddress: '127.0.0.1', outboundPort: 15002, configSource: { kind: 'api', apiType: 'GRPC', xdsCluster: 'xds_cluster' } }, 'web-1'],
  [{ id: 'grpc', service: 'web', kind: 'grpc', outboundAddress: '127.0.0.1', outboundPort: 15001, configSource: ADS }, undefined],
];

/** Every resource every kind of proxy gets, as "proxy type name" -> version. */
function served(snapshot: MeshSnapshot): Map<string, string> {
  const all = new Map<string, string>();
  for (const [proxy, instance] of proxies) {
    const view = snapshot.viewFor(proxy, instance);
    for (const typeUrl of PUSH_ORDER) for (const [name, resource] of view.resources(typeUrl)) all.set(`${proxy.id} ${typeUrl} ${name}`, resource.version);
    // The gRPC client subscribes by name, so its API listener and cluster are looked up, not listed.
    for (const name of ['api', 'web']) for (const typeUrl of PUSH_ORDER) {
      const resource = view.resource(typeUrl, name);
      if (resource) all.set(`${proxy.id} ${typeUrl} ${name}`, resource.version);
    }
  }
  return all;
}

describe('POLICY_DEPENDENCIES', () => {
  it('lists every field of the traffic policy model', () => {
    expect(Object.keys(POLICY_DEPENDENCIES).sort()).toEqual(Object.keys(BASE).sort());
  });

  it.each(Object.keys(ALTERED) as Array<keyof typeof ALTERED>)('rebuilds exactly what a change to `%s` affects: an incremental snapshot equals one built from scratch', (field) => {
    const base = MeshSnapshot.build(mesh(BASE));
    served(base); // views are built lazily; build them, as connected proxies would, before the change
    const altered = { ...BASE, [field]: ALTERED[field] } as TrafficPolicyModel;
    const incremental = served(MeshSnapshot.build(mesh(altered), base));
    const fresh = served(MeshSnapshot.build(mesh(altered)));
    expect(incremental).toEqual(fresh);
    // The alteration is visible at all, so the comparison above has something to catch.
    expect(fresh).not.toEqual(served(MeshSnapshot.build(mesh(BASE))));
  });
});
