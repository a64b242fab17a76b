import type { ConfigEntriesOutcome } from './config-entry-policy';
import type { ConnectSidecar } from './model';
import { policy } from './policy-fixtures.spec-helper';
import type { MeshConfigModel } from './policy-model';
import { configProblems, describePolicySources, policySources } from './policy-sources';

const dsl: MeshConfigModel = { version: 'v1', policies: new Map([['web', policy('web')], ['api', policy('api')]]), upstreams: new Map(), gateway: undefined };

const outcome: ConfigEntriesOutcome = {
  config: dsl,
  origins: new Map([
    ['api', { subsets: 'service-resolver/api', failover: 'service-resolver/api', split: 'service-splitter/api' }],
    ['billing', { protocol: 'service-defaults/billing' }],
  ]),
  problems: ['api: service-resolver/api and mesh.config.ts (services.api.traffic.subsets) both set subsets; service-resolver/api wins'],
};

describe('policySources', () => {
  it('names the entry behind each part it sets and mesh.config.ts for the rest of a declared service', () => {
    const api = policySources(dsl, outcome, 'api')!;
    const text = 'subsets, failover from service-resolver/api; split from service-splitter/api; the rest from mesh.config.ts';
    expect(api).toEqual({ service: 'api', entries: { subsets: 'service-resolver/api', failover: 'service-resolver/api', split: 'service-splitter/api' }, rest: 'mesh.config.ts', callers: {}, text });
    expect(describePolicySources(api)).toBe(text);
  });

  it("names the callers whose own UpstreamConfig shapes how they reach a service, and what it sets", () => {
    const shaped: ConfigEntriesOutcome = {
      ...outcome,
      config: {
        ...dsl,
        callerUpstreams: new Map([
          ['web', { source: 'service-defaults/web', defaults: undefined, overrides: new Map([['api', { connectTimeoutMs: 1234, circuitBreaker: { maxConnections: 7 }, outlierDetection: undefined }]]) }],
        ]),
      },
    };
    expect(policySources(dsl, shaped, 'api')?.text).toBe(
      "subsets, failover from service-resolver/api; split from service-splitter/api; the rest from mesh.config.ts; for web's calls, connect timeout, limits from service-defaults/web",
    );
    expect(policySources(dsl, shaped, 'web')?.callers).toEqual({});
  });

  it('says "defaults" for a service only entries shape, mesh.config.ts alone for one no entry touches, and nothing for neither', () => {
    expect(describePolicySources(policySources(dsl, outcome, 'billing')!)).toBe('protocol from service-defaults/billing; the rest from defaults');
    expect(describePolicySources(policySources(dsl, outcome, 'web')!)).toBe('all from mesh.config.ts');
    expect(policySources(dsl, outcome, 'ledger')).toBeUndefined();
    expect(policySources(undefined, outcome, 'api')?.rest).toBe('defaults');
  });
});

describe('configProblems', () => {
  it("lists the entries' problems, then each ignored part of a Connect registration with its proxy ID", () => {
    const sidecar: ConnectSidecar = { id: 'web-1-sidecar-proxy', node: 'n1', service: 'web', publicPort: 21000, local: { address: '127.0.0.1', port: 8080 }, upstreams: [], expose: [], unsupported: ['Proxy.Mode "transparent": no outbound capture is set up; use Proxy.Upstreams'] };
    expect(configProblems(outcome, new Map([[sidecar.id, sidecar]]))).toEqual([
      outcome.problems[0],
      'connect-proxy web-1-sidecar-proxy: Proxy.Mode "transparent": no outbound capture is set up; use Proxy.Upstreams',
    ]);
    expect(configProblems({ ...outcome, problems: [] }, undefined)).toEqual([]);
  });

  it('reports a protocol a registration names only where it differs from the one served', () => {
    const sidecar: ConnectSidecar = {
      id: 'web-1-sidecar-proxy',
      node: 'n1',
      service: 'web',
      publicPort: 21000,
      local: { address: '127.0.0.1', port: 8080 },
      upstreams: [],
      expose: [],
      unsupported: [],
      protocols: [
        { path: 'Proxy.Config.protocol', service: 'web', protocol: 'http' },
        { path: 'Proxy.Upstreams[0].Config.protocol', service: 'api', protocol: 'grpc' },
      ],
    };
    expect(configProblems({ ...outcome, problems: [] }, new Map([[sidecar.id, sidecar]]), () => 'http')).toEqual([
      'connect-proxy web-1-sidecar-proxy: Proxy.Upstreams[0].Config.protocol "grpc" is not served; api is served as http (set its protocol with service-defaults or proxy-defaults)',
    ]);
  });
});
