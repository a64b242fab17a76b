import { caSnapshotFixture } from '../consul/connect-ca.spec-helper';
import { policy } from './policy-fixtures.spec-helper';
import type { MeshConfigModel, MtlsMode } from './policy-model';
import { decodeResource } from '../resources/decode.spec-helper';
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

  it('lets a waiter withdraw before readiness, so a stream that closed early is not kept', () => {
    const mesh = new MeshState();
    const gone = jest.fn();
    const withdraw = mesh.whenReady(gone);
    mesh.whenReady(() => {});
    expect(mesh.waitingForReady).toBe(2);
    withdraw();
    expect(mesh.waitingForReady).toBe(1);
    mesh.update({ services: new Map() });
    expect(gone).not.toHaveBeenCalled();
    expect(mesh.waitingForReady).toBe(0);
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

describe('MeshState and the Connect CA', () => {
  const echo = { name: 'echo', protocol: 'http' as const, endpoints: [] };
  const catalog = { services: new Map([['echo', echo]]) };
  const config = (version: string, mtls: MtlsMode): MeshConfigModel => ({ version, policies: new Map([['echo', policy('echo', { mtls })]]), upstreams: new Map(), gateway: undefined });
  const tlsOn = (mesh: MeshState) => decodeResource(mesh.snapshot.clusters.get('echo')).transport_socket !== undefined;

  it('with a config file, stays not ready until the config is applied', () => {
    const mesh = new MeshState(undefined, { awaitConfig: true });
    mesh.update(catalog);
    expect(mesh.ready).toBe(false);
    mesh.updateConfig(config('a', 'off'));
    expect(mesh.ready).toBe(true);
    expect(mesh.configVersion).toBe('a');
  });

  it('holds a first config that needs mTLS, and so readiness, until the CA gives the mesh its identity', () => {
    const mesh = new MeshState(undefined, { awaitConfig: true });
    mesh.update(catalog);
    mesh.updateConfig(config('strict', 'strict'));
    expect([mesh.ready, mesh.pendingConfigVersion, mesh.mtlsInUse]).toEqual([false, 'strict', true]);
    // Roots alone carry no datacenter: still waiting.
    mesh.updateCa(caSnapshotFixture({}));
    expect(mesh.ready).toBe(false);
    mesh.updateCa(caSnapshotFixture({ echo: 1, gateway: 1 }));
    expect([mesh.ready, mesh.pendingConfigVersion, mesh.configVersion]).toEqual([true, undefined, 'strict']);
    expect(tlsOn(mesh)).toBe(true);
    expect(mesh.snapshot.secretCount).toBe(3);
  });

  it('on a reload that switches mTLS on, keeps serving the previous config until the certificates are in', () => {
    const mesh = new MeshState(undefined, { awaitConfig: true });
    const changes: Array<string | undefined> = [];
    mesh.subscribe((change) => changes.push(change.snapshot.model.config?.version));
    mesh.update(catalog);
    mesh.updateConfig(config('plain', 'off'));
    mesh.updateConfig(config('strict', 'strict'));
    expect([mesh.configVersion, mesh.pendingConfigVersion, tlsOn(mesh)]).toEqual(['plain', 'strict', false]);
    mesh.update(catalog);
    expect(mesh.configVersion).toBe('plain');
    mesh.updateCa(caSnapshotFixture({ echo: 1 }));
    expect([mesh.configVersion, mesh.pendingConfigVersion, tlsOn(mesh)]).toEqual(['strict', undefined, true]);
    expect(changes).toEqual(['plain', 'plain', 'plain', 'strict']);
  });

  it('a newer config without mTLS replaces one still waiting', () => {
    const mesh = new MeshState();
    mesh.update(catalog);
    mesh.updateConfig(config('strict', 'strict'));
    mesh.updateConfig(config('off', 'off'));
    expect([mesh.configVersion, mesh.pendingConfigVersion]).toEqual(['off', undefined]);
  });

  it('names every catalog and DSL service and the gateway for leaf certificates while mTLS is in use, and none otherwise', () => {
    const mesh = new MeshState();
    const seen: string[][] = [];
    mesh.watchCertificateSubjects((services) => seen.push([...services]));
    mesh.update(catalog);
    mesh.updateConfig({ ...config('p', 'permissive'), policies: new Map([['echo', policy('echo', { mtls: 'permissive' })], ['api', policy('api')]]) });
    mesh.update({ services: new Map([['echo', echo], ['late', { ...echo, name: 'late' }]]) });
    mesh.update({ services: new Map([['echo', echo], ['late', { ...echo, name: 'late' }]]) });
    mesh.updateConfig(config('o', 'off'));
    expect(seen).toEqual([[], ['api', 'echo', 'gateway'], ['api', 'echo', 'gateway', 'late'], []]);
  });
});
