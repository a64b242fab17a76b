import type { ServiceModel } from '../translate/model';
import { MeshState } from '../translate/mesh-state';
import { proxyNode, type ProxyNode } from './proxy-node';
import { PushEngine, type PushTarget } from './push-engine';
import type { ChangeSet, NodeView } from '../resources/node-view';
import type { Interest } from './subscriber-index';
import { TypeUrl } from '../resources/type-url';

function service(name: string, port: number): ServiceModel {
  return { name, protocol: 'http', endpoints: [{ id: `${name}-1`, address: '127.0.0.1', port, appPort: port, sidecarPort: undefined, health: 'passing', weight: 1, tags: [], meta: {} }] };
}

/** A stream that records what the engine hands it. */
class Recorder implements PushTarget {
  readonly node: ProxyNode;
  readonly pushes: Array<{ changes: ChangeSet; view: NodeView }> = [];

  constructor(
    readonly name: string,
    private readonly interests: Partial<Record<TypeUrl, Interest>>,
    cluster = 'caller',
  ) {
    this.node = proxyNode({ id: name, cluster, user_agent_name: 'envoy' });
  }

  interest(typeUrl: TypeUrl): Interest | undefined {
    return this.interests[typeUrl];
  }

  push(view: NodeView, changes: ChangeSet): void {
    this.pushes.push({ view, changes });
  }
}

const names = (...list: string[]): Interest => ({ wildcard: false, names: new Set(list) });
const WILDCARD: Interest = { wildcard: true, names: new Set() };
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('PushEngine', () => {
  const catalog = (echoPort: number) => ({ services: new Map([['api', service('api', 7000)], ['echo', service('echo', echoPort)], ['web', service('web', 7100)]]) });

  it('pushes an endpoint change only to the streams subscribed to it, with only the changed name', async () => {
    const mesh = new MeshState();
    mesh.update(catalog(8000));
    const engine = new PushEngine(mesh);
    const echoWatcher = new Recorder('echo-watcher', { [TypeUrl.Endpoint]: names('echo') });
    const apiWatcher = new Recorder('api-watcher', { [TypeUrl.Endpoint]: names('api', 'web') });
    const clustersOnly = new Recorder('clusters-only', { [TypeUrl.Cluster]: WILDCARD, [TypeUrl.Listener]: WILDCARD });
    for (const stream of [echoWatcher, apiWatcher, clustersOnly]) engine.join(stream);

    const api = mesh.snapshot.model.services.get('api')!;
    const web = mesh.snapshot.model.services.get('web')!;
    // Consul's watcher keeps unchanged services as the same objects; only echo moved.
    mesh.update({ services: new Map([['api', api], ['echo', service('echo', 8001)], ['web', web]]) });
    await settle();

    expect(echoWatcher.pushes.map((p) => p.changes)).toEqual([new Map([[TypeUrl.Endpoint, new Set(['echo'])]])]);
    expect(apiWatcher.pushes).toEqual([]);
    expect(clustersOnly.pushes).toEqual([]);
    engine.stop();
  });

  it('follows a stream\'s new subscriptions, and forgets a stream that left', async () => {
    const mesh = new MeshState();
    mesh.update(catalog(8000));
    const engine = new PushEngine(mesh);
    const interests: Partial<Record<TypeUrl, Interest>> = { [TypeUrl.Endpoint]: names('api') };
    const stream = new Recorder('moving', interests);
    const gone = new Recorder('gone', { [TypeUrl.Endpoint]: names('echo') });
    engine.join(stream);
    engine.join(gone);
    interests[TypeUrl.Endpoint] = names('echo');
    engine.reindex(stream, [TypeUrl.Endpoint]);
    engine.leave(gone);

    mesh.update(catalog(8001));
    await settle();
    expect(stream.pushes.map((p) => p.changes?.get(TypeUrl.Endpoint))).toEqual([new Set(['echo'])]);
    expect(gone.pushes).toEqual([]);
    engine.stop();
  });

  it('builds one view per identity for every stream that shares it, and merges changes a stream has not yet been handed', async () => {
    const mesh = new MeshState();
    mesh.update(catalog(8000));
    const engine = new PushEngine(mesh, { batchSize: 1 });
    const first = new Recorder('a-1', { [TypeUrl.Endpoint]: WILDCARD });
    const second = new Recorder('a-2', { [TypeUrl.Endpoint]: WILDCARD });
    engine.join(first);
    engine.join(second);
    expect(engine.view(first)).toBe(engine.view(second));

    // Two changes before any batch runs reach each stream once, merged.
    mesh.update(catalog(8001));
    const moved = mesh.snapshot.model.services;
    mesh.update({ services: new Map([...moved].map(([name, s]) => [name, name === 'web' ? service('web', 7101) : s])) });
    await settle();
    await settle();
    for (const stream of [first, second]) {
      expect(stream.pushes).toHaveLength(1);
      expect(stream.pushes[0]?.changes?.get(TypeUrl.Endpoint)).toEqual(new Set(['echo', 'web']));
    }
    expect(first.pushes[0]?.view).toBe(second.pushes[0]?.view);
    engine.stop();
  });
});
