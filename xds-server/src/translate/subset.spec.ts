import type { ServiceEndpoint, ServiceModel } from './model';
import { inSubset, subsetClusterName, subsetEndpoints, targetCluster } from './subset';
import { policy } from './policy-fixtures.spec-helper';

function endpoint(id: string, tags: string[], meta: Record<string, string>): ServiceEndpoint {
  return { id, address: '10.0.0.1', port: 1, appPort: 1, sidecarPort: undefined, health: 'passing', weight: 1, tags, meta };
}

describe('subsets', () => {
  const v1 = { name: 'v1', tags: [], meta: { version: 'v1' } };
  const canary = { name: 'canary', tags: ['canary', 'eu'], meta: {} };

  it('selects by meta value and by every tag', () => {
    expect(inSubset(endpoint('a', [], { version: 'v1' }), v1)).toBe(true);
    expect(inSubset(endpoint('b', [], { version: 'v2' }), v1)).toBe(false);
    expect(inSubset(endpoint('c', [], {}), v1)).toBe(false);
    expect(inSubset(endpoint('d', ['canary', 'eu', 'x'], {}), canary)).toBe(true);
    expect(inSubset(endpoint('e', ['canary'], {}), canary)).toBe(false);
  });

  it('keeps only the matching endpoints of a service', () => {
    const service: ServiceModel = {
      name: 'n',
      protocol: 'http',
      endpoints: [endpoint('a', [], { version: 'v1' }), endpoint('b', [], { version: 'v2' }), endpoint('c', [], { version: 'v1' })],
    };
    expect(subsetEndpoints(service, v1).map((e) => e.id)).toEqual(['a', 'c']);
  });

  it('names subset clusters <service>~<subset> and sends undeclared subsets to the whole service', () => {
    const p = policy('notification', { subsets: [v1] });
    expect(subsetClusterName('notification', 'v1')).toBe('notification~v1');
    expect(targetCluster(p, { subset: 'v1' })).toBe('notification~v1');
    expect(targetCluster(p, { subset: undefined })).toBe('notification');
    expect(targetCluster(p, { subset: 'v9' })).toBe('notification');
  });

  it("names another service's cluster, or its subset's, for a target a Consul splitter or router sent elsewhere", () => {
    const p = policy('notification', { subsets: [v1] });
    expect(targetCluster(p, { service: 'email', subset: undefined })).toBe('email');
    expect(targetCluster(p, { service: 'email', subset: 'v2' })).toBe('email~v2');
    expect(targetCluster(p, { service: 'notification', subset: 'v9' })).toBe('notification');
  });
});
