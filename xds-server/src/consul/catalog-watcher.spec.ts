import { catalogHealth } from './catalog-health';
import type { CatalogSnapshot } from './catalog-snapshot';
import { CATALOG_SERVICES_PATH, CatalogWatcher, type CatalogWatcherOptions, catalogWatcherConnections, healthServicePath } from './catalog-watcher';
import { ConsulConsumerError, type ConsulError } from './consul-errors';
import { ConsulClientTransport } from './consul-client-transport';
import { FakeCatalog } from './fake-catalog.spec-helper';
import { eventually, FakeConsul, healthEntry, trackTimers } from './fake-consul.spec-helper';
import { HEALTH_STATE_PATH } from './health-state';

const WEB = healthServicePath('web');
const API = healthServicePath('api');
const DB = healthServicePath('db');
const HEALTH_SERVICE = '/v1/health/service/';

describe('CatalogWatcher against a fake Consul', () => {
  let consul: FakeConsul;
  let catalog: FakeCatalog;
  let watcher: CatalogWatcher | undefined;
  let snapshots: CatalogSnapshot[];
  let errors: Array<{ error: ConsulError; watch: string }>;

  beforeEach(async () => {
    consul = await FakeConsul.start();
    catalog = new FakeCatalog(consul);
    snapshots = [];
    errors = [];
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await watcher?.stop();
    watcher = undefined;
    await consul.close();
  });

  function start(overrides: Partial<CatalogWatcherOptions> = {}): CatalogWatcher {
    watcher = new CatalogWatcher({
      transport: new ConsulClientTransport(consul.address),
      onSnapshot: (s) => snapshots.push(s),
      onError: (error, watch) => errors.push({ error, watch }),
      wait: '5s',
      rateLimit: { capacity: 100, refillIntervalMs: 1 },
      backoff: { initialMs: 5, maxMs: 20 },
      ...overrides,
    });
    watcher.start();
    return watcher;
  }

  const ids = (snapshot: CatalogSnapshot | undefined, service: string): string[] | undefined =>
    snapshot?.services.get(service)?.map((i) => `${i.id}:${i.health}`);
  /** Non-blocking reads of one service so far. */
  const reads = (path: string): number => consul.searches(path).length;
  const last = (): CatalogSnapshot | undefined => snapshots.at(-1);

  function seedWebAndApi(): void {
    catalog.register('web', 'web-1', { tags: ['v1'] });
    catalog.register('web', 'web-2', { check: 'critical' });
    catalog.register('api', 'api-1', { check: 'warning' });
  }

  /** Up, with both blocking queries parked and no read left in flight. */
  async function startAndSettle(overrides: Partial<CatalogWatcherOptions> = {}): Promise<CatalogWatcher> {
    const w = start(overrides);
    await eventually('first snapshot, both watches blocked', () => snapshots.length === 1 && consul.blocked === 2);
    return w;
  }

  it('emits one first snapshot with every service read once, critical instances removed, warning kept, consul excluded', async () => {
    seedWebAndApi();
    await startAndSettle();
    const [first] = snapshots;
    expect([...(first?.services.keys() ?? [])]).toEqual(['api', 'web']);
    expect(ids(first, 'web')).toEqual(['web-1:passing']);
    expect(ids(first, 'api')).toEqual(['api-1:warning']);
    expect(first?.changed).toEqual(['api', 'web']);
    expect(consul.searches(healthServicePath('consul'))).toEqual([]);
    // Each service is read once, without blocking: only the catalog and the checks block.
    expect(consul.searches(WEB)).toEqual(['']);
    expect(consul.searches(API)).toEqual(['']);
    expect(consul.blockedOn(CATALOG_SERVICES_PATH)).toBe(1);
    expect(consul.blockedOn(HEALTH_STATE_PATH)).toBe(1);
    expect(snapshots).toHaveLength(1);
  });

  it('does not emit a partial first snapshot while one service cannot be read yet', async () => {
    seedWebAndApi();
    consul.script(API, { status: 500, body: 'boom' }, { status: 500, body: 'boom' });
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    expect([...(snapshots[0]?.services.keys() ?? [])]).toEqual(['api', 'web']);
    expect(errors.filter((e) => e.watch === 'health:api')).toHaveLength(2);
  });

  it('reads again only the service whose check changed', async () => {
    seedWebAndApi();
    await startAndSettle();
    catalog.setStatus('web-2', 'passing');
    await eventually('web-2 back', () => snapshots.length === 2);
    expect(ids(last(), 'web')).toEqual(['web-1:passing', 'web-2:passing']);
    expect(last()?.changed).toEqual(['web']);
    expect(reads(WEB)).toBe(2);
    expect(reads(API)).toBe(1);
    // Unchanged services keep their arrays, so consumers can skip them by reference.
    expect(last()?.services.get('api')).toBe(snapshots[0]?.services.get('api'));
  });

  it('reads only the service of a new instance with a check, and of a deregistered one', async () => {
    seedWebAndApi();
    await startAndSettle();
    const before = Date.now();
    catalog.register('api', 'api-2', { port: 9002 });
    await eventually('api-2 in', () => ids(last(), 'api')?.includes('api-2:passing'));
    expect(last()?.observedAt).toBeGreaterThanOrEqual(before);
    catalog.deregister('api-1');
    await eventually('api-1 gone', () => ids(last(), 'api')?.join() === 'api-2:passing');
    await eventually('settled', () => consul.blocked === 2 && watcher?.requestsInFlight === 2);
    expect(reads(WEB)).toBe(1);
    expect(snapshots.every((s) => s.services.get('web') === snapshots[0]?.services.get('web'))).toBe(true);
  });

  it('reads a service that appears, and drops one that goes without reading it', async () => {
    seedWebAndApi();
    await startAndSettle();
    catalog.register('db', 'db-1', { port: 5432 });
    await eventually('db snapshot', () => snapshots.length === 2);
    expect(snapshots[1]?.changed).toEqual(['db']);
    expect(snapshots[1]?.services.get('db')?.[0]).toMatchObject({ id: 'db-1', port: 5432, address: '127.0.0.1' });
    expect(snapshots[1]?.version).not.toBe(snapshots[0]?.version);
    catalog.deregister('api-1');
    await eventually('api gone', () => snapshots.length === 3);
    expect(snapshots[2]?.changed).toEqual(['api']);
    expect(snapshots[2]?.services.has('api')).toBe(false);
    expect(reads(DB)).toBe(1);
    expect(reads(WEB)).toBe(1);
  });

  it('reads every service after the first write that no check explains; later ones, found node by node, read only their service', async () => {
    seedWebAndApi();
    catalog.register('db', 'db-1', { check: null });
    await startAndSettle();
    catalog.setPort('web-1', 9999);
    await eventually('new port', () => last()?.services.get('web')?.[0]?.port === 9999);
    await eventually('every service read again', () => reads(API) === 2 && reads(DB) === 2);
    expect(last()?.changed).toEqual(['web']);
    expect(snapshots).toHaveLength(2);
    // The probe of the checks index that found the write unexplained reads no checks.
    expect(consul.searches(HEALTH_STATE_PATH).filter((s) => s.startsWith('filter='))).toHaveLength(1);

    const webReads = reads(WEB);
    catalog.setPort('web-1', 9998);
    await eventually('newer port', () => last()?.services.get('web')?.[0]?.port === 9998);
    expect(reads(WEB)).toBe(webReads + 1);
    expect([reads(API), reads(DB)]).toEqual([2, 2]);
    expect(last()?.changed).toEqual(['web']);
  });

  it('falls back to reading every service when the node-by-node reading fails, and says so', async () => {
    seedWebAndApi();
    await startAndSettle();
    consul.script('/v1/catalog/nodes', ...Array.from({ length: 20 }, () => ({ status: 500, body: 'rpc error' })));
    catalog.setPort('web-1', 9999);
    await eventually('new port', () => last()?.services.get('web')?.[0]?.port === 9999);
    await eventually('every service read again', () => reads(API) === 2);
    expect(errors.map((e) => e.watch)).toContain('catalog-nodes');
  });

  it('finds an instance registered without checks, and its deregistration, which moves the checks index silently', async () => {
    seedWebAndApi();
    await startAndSettle();
    catalog.register('api', 'api-9', { check: null });
    await eventually('api-9 in', () => ids(last(), 'api')?.includes('api-9:passing'));
    catalog.deregister('api-9');
    await eventually('api-9 gone', () => ids(last(), 'api')?.join() === 'api-1:warning');
  });

  it('emits a removal whose service is being read when it goes', async () => {
    seedWebAndApi();
    await startAndSettle();
    consul.hold(API);
    catalog.setStatus('api-1', 'passing');
    await eventually('api read held', () => consul.heldOn(API) === 1);
    catalog.deregister('api-1');
    await eventually('api gone', () => last()?.services.has('api') === false);
    consul.release();
  });

  it('reads every service of a node whose node check changes, those it had removed included', async () => {
    catalog.register('web', 'web-1', { node: 'a' });
    catalog.register('api', 'api-1', { node: 'b' });
    catalog.register('db', 'db-1', { node: 'a', check: null });
    await startAndSettle();
    catalog.setNodeStatus('a', 'critical');
    await eventually('node a drained', () => last()?.services.get('web')?.length === 0 && last()?.services.get('db')?.length === 0);
    catalog.setNodeStatus('a', 'passing');
    await eventually('node a back', () => last()?.services.get('web')?.length === 1 && last()?.services.get('db')?.length === 1);
    expect(reads(API)).toBe(1);
  });

  it('follows a burst of changes to one instance, each at once, with no read of the other services', async () => {
    seedWebAndApi();
    await startAndSettle({ rateLimit: { capacity: 1, refillIntervalMs: 60_000 } });
    catalog.register('web', 'web-3', { port: 9003 });
    await eventually('registered', () => ids(last(), 'web')?.includes('web-3:passing'));
    catalog.setStatus('web-3', 'critical');
    await eventually('failed', () => !ids(last(), 'web')?.some((id) => id.startsWith('web-3')));
    catalog.setStatus('web-3', 'passing');
    await eventually('passing again', () => ids(last(), 'web')?.includes('web-3:passing'));
    catalog.deregister('web-3');
    // With one token per minute, any of these waiting for the rate limit would miss the deadline.
    await eventually('deregistered', () => ids(last(), 'web')?.join() === 'web-1:passing');
    expect(reads(API)).toBe(1);
  });

  it('rate-limits answers that change nothing', async () => {
    const timers = trackTimers();
    seedWebAndApi();
    // Every blocking request ends after 50 ms without a change, as a wait that runs out does.
    start({ wait: '50ms', rateLimit: { capacity: 1, refillIntervalMs: 60_000 } });
    await eventually('first snapshot', () => snapshots.length === 1);
    await eventually('both watches waiting a minute for a token', () => timers.pending().filter((t) => /^\d{5} ms timer from .*abortable-sleep\.ts/.test(t)).length === 2);
    const sent = consul.requests.length;
    expect(consul.blocked).toBe(0);
    // One first read, then one blocking request on the token and none after it.
    expect(consul.searches(HEALTH_STATE_PATH)).toHaveLength(3);
    expect(consul.searches(CATALOG_SERVICES_PATH)).toHaveLength(3);
    expect(consul.requests).toHaveLength(sent);
  });

  it('reads every service again when the catalog index goes backwards', async () => {
    seedWebAndApi();
    await startAndSettle();
    consul.set(CATALOG_SERVICES_PATH, { consul: [], web: ['v1'], api: [] }, { index: 5n });
    await eventually('both read again', () => reads(WEB) === 2 && reads(API) === 2);
    await eventually('catalog blocked at the new index', () => consul.searches(CATALOG_SERVICES_PATH).at(-1) === 'index=5&wait=5s');
    expect(snapshots).toHaveLength(1);
  });

  it('keeps at most `fetchConcurrency` reads in flight, and a few connections in all', async () => {
    for (let i = 0; i < 40; i++) catalog.register(`svc-${i}`, `svc-${i}-1`);
    consul.hold(HEALTH_SERVICE);
    start({ fetchConcurrency: 3, transport: new ConsulClientTransport(consul.address, { maxConnections: catalogWatcherConnections(3) }) });
    await eventually('three reads held', () => consul.heldOn(HEALTH_SERVICE) === 3);
    consul.release();
    await eventually('first snapshot', () => snapshots.length === 1);
    expect(snapshots[0]?.services.size).toBe(40);
    expect(consul.mostHeldOn(HEALTH_SERVICE)).toBe(3);
    // Two blocking queries, three reads and a probe at most.
    expect(consul.maxConnections).toBeLessThanOrEqual(6);
  });

  it('coalesces a service marked again and again into one read at a time', async () => {
    seedWebAndApi();
    await startAndSettle();
    consul.hold(HEALTH_SERVICE);
    catalog.setStatus('web-2', 'warning');
    await eventually('web read held', () => consul.heldOn(HEALTH_SERVICE) === 1);
    catalog.setStatus('web-2', 'passing');
    catalog.setStatus('web-1', 'warning');
    await eventually('both changes seen', () => consul.searches(HEALTH_STATE_PATH).length >= 5);
    expect(consul.heldOn(HEALTH_SERVICE)).toBe(1);
    consul.release();
    await eventually('final state', () => ids(last(), 'web')?.join() === 'web-1:warning,web-2:passing');
    // The first read and the held one: answered after both changes, its index shows it covers
    // the marks made while it was held, so no third read follows.
    await eventually('settled', () => watcher?.requestsInFlight === 2);
    expect(reads(WEB)).toBe(2);
  });

  it('keeps a service whose instances are all critical, with no endpoints', async () => {
    seedWebAndApi();
    await startAndSettle();
    catalog.setStatus('api-1', 'critical');
    await eventually('api drained', () => snapshots.length === 2);
    expect(snapshots[1]?.services.get('api')).toEqual([]);
  });

  it('emits an empty first snapshot for an empty catalog', async () => {
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    expect(snapshots[0]?.services.size).toBe(0);
  });

  it('watches only the services `include` accepts', async () => {
    seedWebAndApi();
    start({ include: (service) => service === 'web' });
    await eventually('first snapshot', () => snapshots.length === 1);
    expect([...(snapshots[0]?.services.keys() ?? [])]).toEqual(['web']);
    catalog.setStatus('api-1', 'passing');
    await eventually('checks seen', () => consul.searches(HEALTH_STATE_PATH).length >= 3);
    expect(consul.searches(API)).toEqual([]);
  });

  it('reports DEGRADED and keeps the last snapshot when Consul goes away', async () => {
    seedWebAndApi();
    const w = start();
    await eventually('up', () => catalogHealth(w.status()).status === 'UP');
    const lastSnapshot = w.snapshot;
    await consul.close();
    const health = await eventually('degraded', () => {
      const h = catalogHealth(w.status());
      return h.status === 'DEGRADED' && h.failingWatches.length === 2 && h;
    });
    expect(health.failingWatches).toEqual(['catalog', 'health-state']);
    expect(health.reason).toMatch(/is unreachable/);
    expect(health.degradedSince).toBeInstanceOf(Date);
    expect(w.snapshot).toBe(lastSnapshot);
    expect(ids(w.snapshot, 'web')).toEqual(['web-1:passing']);
    expect(() => JSON.stringify(w.status())).not.toThrow();
    consul = await FakeConsul.start(); // for afterEach
  });

  it('survives a consumer that throws, and reports it as a consumer error', async () => {
    seedWebAndApi();
    let calls = 0;
    start({
      onSnapshot: (s) => {
        calls += 1;
        snapshots.push(s);
        if (calls === 1) throw new Error('translator bug');
      },
    });
    await eventually('first snapshot', () => snapshots.length === 1);
    catalog.register('web', 'web-9');
    await eventually('second snapshot', () => snapshots.length === 2);
    expect(errors[0]?.error).toBeInstanceOf(ConsulConsumerError);
    expect(errors[0]?.watch).toBe('catalog');
  });

  it('reads services that have no checks at all', async () => {
    consul.set(CATALOG_SERVICES_PATH, { consul: [], web: [] });
    consul.set(WEB, [healthEntry('web', 'web-1')]);
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    expect(ids(snapshots[0], 'web')).toEqual(['web-1:passing']);
  });

  it('stop() ends every watch and read promptly and leaves no timer behind', async () => {
    const timers = trackTimers();
    seedWebAndApi();
    const w = start({ wait: '5m' });
    await eventually('first snapshot, all blocked', () => snapshots.length === 1 && consul.blocked === 2);
    expect(timers.pending()).toHaveLength(2);
    consul.hold(HEALTH_SERVICE);
    catalog.setStatus('web-1', 'warning');
    await eventually('a read held', () => consul.heldOn(HEALTH_SERVICE) === 1);
    await w.stop();
    watcher = undefined;
    await eventually('requests gone', () => consul.blocked === 0);
    expect(timers.pending()).toEqual([]);
  });
});
