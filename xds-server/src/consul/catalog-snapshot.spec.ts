import { buildSnapshot } from './catalog-snapshot';
import { parseCatalogServices } from './catalog-services';
import type { ServiceInstance } from './service-instance';

const instance = (id: string): ServiceInstance => ({
  id,
  service: 'web',
  node: 'n1',
  address: '127.0.0.1',
  port: 8080,
  tags: [],
  meta: {},
  health: 'passing',
  weights: { passing: 1, warning: 1 },
});

describe('buildSnapshot', () => {
  const web = [instance('web-1')];
  const services = new Map([
    ['web', web],
    ['api', []],
  ]);
  const hashes = new Map([
    ['web', 'h-web'],
    ['api', 'h-api'],
  ]);

  it('orders services by name and keeps each list by reference', () => {
    const snapshot = buildSnapshot(services, hashes, ['web', 'web'], 1234);
    expect([...snapshot.services.keys()]).toEqual(['api', 'web']);
    expect(snapshot.services.get('web')).toBe(web);
    expect(snapshot.changed).toEqual(['web']);
    expect(snapshot.observedAt).toBe(1234);
  });

  it('versions by content only', () => {
    const a = buildSnapshot(services, hashes, ['web'], 1);
    const b = buildSnapshot(new Map([...services].reverse()), hashes, ['api'], 2);
    const c = buildSnapshot(services, new Map([...hashes, ['web', 'h-web-2']]), ['web'], 3);
    expect(a.version).toBe(b.version);
    expect(a.version).not.toBe(c.version);
  });

  it('cannot be modified, not even through a cast', () => {
    const snapshot = buildSnapshot(services, hashes, [], 1);
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(() => (snapshot.services as unknown as Map<string, unknown>).set('x', [])).toThrow(TypeError);
    services.set('late', []);
    expect(snapshot.services.has('late')).toBe(false);
    services.delete('late');
  });
});

describe('parseCatalogServices', () => {
  it('returns the sorted service names of /v1/catalog/services', () => {
    expect(parseCatalogServices({ web: ['v1'], consul: [], api: [] }, '/v1/catalog/services')).toEqual(['api', 'consul', 'web']);
  });

  it('rejects anything but an object', () => {
    expect(() => parseCatalogServices(['web'], '/v1/catalog/services')).toThrow('the body should be an object, got an array');
  });
});
