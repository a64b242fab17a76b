import { catalogHealth } from './catalog-health';
import type { CatalogSnapshot } from './catalog-snapshot';
import { CATALOG_SERVICES_PATH, CatalogWatcher, type CatalogWatcherOptions, healthServicePath } from './catalog-watcher';
import { ConsulConsumerError, type ConsulError } from './consul-errors';
import { FetchConsulTransport } from './consul-transport';
import { eventually, FakeConsul, healthEntry, trackTimers } from './fake-consul.spec-helper';

const WEB = healthServicePath('web');
const API = healthServicePath('api');
const DB = healthServicePath('db');

describe('CatalogWatcher against a fake Consul', () => {
  let consul: FakeConsul;
  let watcher: CatalogWatcher | undefined;
  let snapshots: CatalogSnapshot[];
  let errors: Array<{ error: ConsulError; watch: string }>;

  beforeEach(async () => {
    consul = await FakeConsul.start();
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
      transport: new FetchConsulTransport(consul.address),
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

  function seedWebAndApi(): void {
    consul.set(CATALOG_SERVICES_PATH, { consul: [], web: ['v1'], api: [] });
    consul.set(WEB, [healthEntry('web', 'web-1'), healthEntry('web', 'web-2', { status: 'critical' })]);
    consul.set(API, [healthEntry('api', 'api-1', { status: 'warning' })]);
  }

  it('emits one first snapshot with every service read, critical instances removed, warning kept, consul excluded', async () => {
    seedWebAndApi();
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    await eventually('all watches blocked', () => consul.blocked === 3);
    const [first] = snapshots;
    expect([...(first?.services.keys() ?? [])]).toEqual(['api', 'web']);
    expect(ids(first, 'web')).toEqual(['web-1:passing']);
    expect(ids(first, 'api')).toEqual(['api-1:warning']);
    expect(first?.changed).toEqual(['api', 'web']);
    expect(consul.searches(healthServicePath('consul'))).toEqual([]);
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

  it('starts a health watch for a service that appears and emits it once read', async () => {
    seedWebAndApi();
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    consul.set(DB, [healthEntry('db', 'db-1', { port: 5432 })]);
    const before = Date.now();
    consul.set(CATALOG_SERVICES_PATH, { consul: [], web: ['v1'], api: [], db: [] });
    await eventually('db snapshot', () => snapshots.length === 2);
    const second = snapshots[1];
    expect(second?.changed).toEqual(['db']);
    expect(second?.services.get('db')?.[0]).toMatchObject({ id: 'db-1', port: 5432, address: '127.0.0.1' });
    expect(second?.observedAt).toBeGreaterThanOrEqual(before);
    expect(second?.observedAt).toBeLessThanOrEqual(Date.now());
    // Unchanged services keep their arrays, so consumers can skip them by reference.
    expect(second?.services.get('web')).toBe(snapshots[0]?.services.get('web'));
    expect(second?.version).not.toBe(snapshots[0]?.version);
  });

  it('stops the health watch of a service that disappears and emits without it', async () => {
    seedWebAndApi();
    start();
    await eventually('api watch blocked', () => snapshots.length === 1 && consul.blockedOn(API) === 1);
    consul.set(CATALOG_SERVICES_PATH, { consul: [], web: ['v1'] });
    await eventually('api gone', () => snapshots.length === 2);
    expect(snapshots[1]?.changed).toEqual(['api']);
    expect(snapshots[1]?.services.has('api')).toBe(false);
    await eventually('api watch ended', () => consul.blockedOn(API) === 0);
    const sent = consul.searches(API).length;
    consul.set(API, []);
    await eventually('web still watched', () => consul.blockedOn(WEB) === 1);
    expect(consul.searches(API)).toHaveLength(sent);
    expect(watcher?.status().watches.map((w) => w.name)).toEqual(['catalog', 'health:web']);
  });

  it('emits every endpoint change at once and stays silent on no-op returns', async () => {
    seedWebAndApi();
    start();
    await eventually('web blocked', () => snapshots.length === 1 && consul.blockedOn(WEB) === 1);
    consul.touch(WEB);
    consul.touch(CATALOG_SERVICES_PATH);
    await eventually('re-blocked', () => consul.blocked === 3 && consul.searches(WEB).length === 3);
    expect(snapshots).toHaveLength(1);

    consul.set(WEB, [healthEntry('web', 'web-1'), healthEntry('web', 'web-2')]);
    await eventually('web-2 back', () => snapshots.length === 2);
    consul.set(WEB, [healthEntry('web', 'web-1'), healthEntry('web', 'web-2', { status: 'warning' })]);
    await eventually('web-2 warning', () => snapshots.length === 3);
    expect(snapshots.map((s) => ids(s, 'web'))).toEqual([['web-1:passing'], ['web-1:passing', 'web-2:passing'], ['web-1:passing', 'web-2:warning']]);
    expect(snapshots[2]?.services.get('api')).toBe(snapshots[0]?.services.get('api'));
  });

  it('keeps a service whose instances are all critical, with no endpoints', async () => {
    seedWebAndApi();
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    consul.set(API, [healthEntry('api', 'api-1', { status: 'critical' })]);
    await eventually('api drained', () => snapshots.length === 2);
    expect(snapshots[1]?.services.get('api')).toEqual([]);
  });

  it('emits an empty first snapshot for an empty catalog', async () => {
    consul.set(CATALOG_SERVICES_PATH, { consul: [] });
    start();
    await eventually('first snapshot', () => snapshots.length === 1);
    expect(snapshots[0]?.services.size).toBe(0);
  });

  it('watches only the services `include` accepts', async () => {
    seedWebAndApi();
    start({ include: (service) => service === 'web' });
    await eventually('first snapshot', () => snapshots.length === 1);
    expect([...(snapshots[0]?.services.keys() ?? [])]).toEqual(['web']);
    expect(consul.searches(API)).toEqual([]);
  });

  it('reports DEGRADED and keeps the last snapshot when Consul goes away', async () => {
    seedWebAndApi();
    const w = start();
    await eventually('up', () => catalogHealth(w.status()).status === 'UP');
    const last = w.snapshot;
    await consul.close();
    const health = await eventually('degraded', () => {
      const h = catalogHealth(w.status());
      return h.status === 'DEGRADED' && h.failingWatches.length === 3 && h;
    });
    expect(health.reason).toMatch(/is unreachable/);
    expect(health.degradedSince).toBeInstanceOf(Date);
    expect(w.snapshot).toBe(last);
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
    consul.set(WEB, [healthEntry('web', 'web-9')]);
    await eventually('second snapshot', () => snapshots.length === 2);
    expect(errors[0]?.error).toBeInstanceOf(ConsulConsumerError);
    expect(errors[0]?.watch).toBe('catalog');
  });

  it('stop() ends every watch promptly and leaves no timer behind', async () => {
    const timers = trackTimers();
    seedWebAndApi();
    const w = start({ wait: '5m' });
    await eventually('all blocked', () => consul.blocked === 3);
    expect(timers.pending()).toHaveLength(3);
    const started = Date.now();
    await w.stop();
    watcher = undefined;
    expect(Date.now() - started).toBeLessThan(300);
    await eventually('requests gone', () => consul.blocked === 0);
    expect(timers.pending()).toEqual([]);
  });
});
