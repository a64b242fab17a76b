import type { ServiceModel } from './model';
import { policy, route } from './policy-fixtures.spec-helper';
import { policySummary } from './policy-summary';

describe('policySummary', () => {
  it('lists subsets with their instances and one line per route', () => {
    const service: ServiceModel = {
      name: 'notification',
      protocol: 'http',
      endpoints: [
        { id: 'a', address: '10.0.0.1', port: 80, appPort: 80, sidecarPort: undefined, health: 'passing', weight: 1, tags: [], meta: { version: 'v1' } },
        { id: 'b', address: '10.0.0.2', port: 80, appPort: 80, sidecarPort: undefined, health: 'passing', weight: 1, tags: ['canary'], meta: { version: 'v2' } },
      ],
    };
    const p = policy('notification', {
      subsets: [
        { name: 'v1', tags: [], meta: { version: 'v1' } },
        { name: 'v2', tags: ['canary'], meta: { version: 'v2' } },
      ],
      outlierDetection: { consecutive5xx: 3, consecutiveGatewayErrors: undefined, intervalMs: undefined, baseEjectionTimeMs: undefined, maxEjectionPercent: undefined },
      routes: [
        route({
          path: { kind: 'prefix', value: '/api/' },
          methods: ['GET'],
          split: [
            { subset: 'v1', weight: 90 },
            { subset: 'v2', weight: 10 },
          ],
          retries: { retryOn: '5xx', numRetries: 2, perTryTimeoutMs: undefined, backoff: undefined, retriableStatusCodes: [], budget: undefined },
          timeoutMs: 1500,
        }),
        route(),
      ],
    });
    expect(policySummary(service, p)).toEqual({
      loadBalancer: 'round_robin',
      outlierDetection: { consecutive5xx: 3 },
      subsets: [
        { cluster: 'notification~v1', selector: 'version=v1', endpoints: ['10.0.0.1:80'] },
        { cluster: 'notification~v2', selector: 'tag canary, version=v2', endpoints: ['10.0.0.2:80'] },
      ],
      routes: ['prefix /api/ GET -> v1 90, v2 10 retries 2 on 5xx timeout 1500ms', 'prefix / -> notification'],
    });
  });
});
