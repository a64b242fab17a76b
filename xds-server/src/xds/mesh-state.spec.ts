import { MeshState } from './mesh-state';

describe('MeshState', () => {
  it('is not ready, and holds its waiters, until the first catalog is applied', () => {
    const mesh = new MeshState();
    const calls: string[] = [];
    mesh.whenReady(() => calls.push('first'));
    expect(mesh.ready).toBe(false);
    expect(calls).toEqual([]);

    mesh.update({ services: new Map() });
    expect(mesh.ready).toBe(true);
    expect(calls).toEqual(['first']);

    mesh.whenReady(() => calls.push('later'));
    mesh.update({ services: new Map() });
    expect(calls).toEqual(['first', 'later']);
  });

  it('hands every update to its subscribers until they unsubscribe', () => {
    const mesh = new MeshState();
    const seen: number[] = [];
    const unsubscribe = mesh.subscribe((change) => seen.push(change.snapshot.clusters.size));
    mesh.update({ services: new Map([['echo', { name: 'echo', protocol: 'http', endpoints: [] }]]) });
    unsubscribe();
    mesh.update({ services: new Map() });
    expect(seen).toEqual([1]);
  });

  it('stores a config that arrives before the catalog, and pushes one that arrives after', () => {
    const mesh = new MeshState();
    const seen: Array<string | undefined> = [];
    mesh.subscribe((change) => seen.push(change.snapshot.model.config?.version));
    const config = (version: string) => ({ version, policies: new Map(), upstreams: new Map(), gateway: undefined });

    mesh.updateConfig(config('a'));
    expect(mesh.ready).toBe(false);
    expect(seen).toEqual([]);

    mesh.update({ services: new Map() });
    mesh.updateConfig(config('b'));
    expect(seen).toEqual(['a', 'b']);
    expect(mesh.configVersion).toBe('b');
  });
});
