import { type ConsulHandle, ProcessSupervisor, startConsul, waitFor } from '@mesh/harness';
import { suiteRunDir } from '../support/run-dir';

import { catalogHealth } from '../../xds-server/src/consul/catalog-health';
import type { CatalogSnapshot } from '../../xds-server/src/consul/catalog-snapshot';
import { CatalogWatcher } from '../../xds-server/src/consul/catalog-watcher';
import { consulAddress } from '../../xds-server/src/consul/consul-address';
import { ConsulClientTransport } from '../../xds-server/src/consul/consul-client-transport';

/** One change is expected to reach the watcher in well under a second; this only bounds a failure. */
const DEADLINE = { timeoutMs: 15_000, intervalMs: 25 };

describe('CatalogWatcher against a real Consul dev agent', () => {
  const supervisor = new ProcessSupervisor(suiteRunDir('consul-watcher'));
  let consul: ConsulHandle;
  let watcher: CatalogWatcher;
  const snapshots: CatalogSnapshot[] = [];

  afterAll(async () => {
    await watcher?.stop();
    await supervisor.stopAll();
  });

  async function put(path: string, body?: unknown): Promise<void> {
    const response = await fetch(`${consul.httpAddr}${path}`, {
      method: 'PUT',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`PUT ${path} -> ${response.status} ${await response.text()}`);
  }

  function register(service: string, id: string, port: number): Promise<void> {
    return put('/v1/agent/service/register', {
      ID: id,
      Name: service,
      Address: '127.0.0.1',
      Port: port,
      Tags: ['v1'],
      Meta: { owner: 'consul-watcher-spec' },
      Check: { CheckID: `${id}-ttl`, Name: `${id} ttl`, TTL: '10m', Status: 'passing' },
    });
  }

  /** What the last snapshot says about every service, e.g. `web=[web-1:9001:passing,web-2:9002:warning]`. */
  function describeSnapshot(snapshot: CatalogSnapshot | undefined): string {
    if (!snapshot) return 'no snapshot yet';
    const services = [...snapshot.services].map(([name, instances]) => `${name}=[${instances.map((i) => `${i.id}:${i.port}:${i.health}`).join(',')}]`);
    return services.length > 0 ? services.join(' ') : '(empty catalog)';
  }

  /** Waits for the watcher's snapshot to satisfy `check`; on timeout reports the snapshot last seen. */
  function untilSnapshot(what: string, check: (snapshot: CatalogSnapshot) => boolean): Promise<CatalogSnapshot> {
    return waitFor(
      what,
      async () => {
        const snapshot = watcher.snapshot;
        if (snapshot && check(snapshot)) return snapshot;
        throw new Error(describeSnapshot(snapshot));
      },
      DEADLINE,
    );
  }

  const instanceIds = (snapshot: CatalogSnapshot, service: string): string[] | undefined =>
    snapshot.services.get(service)?.map((i) => `${i.id}:${i.health}`);

  it('starts with the services already registered, both instances, and without consul itself', async () => {
    consul = await startConsul(supervisor);
    await register('web', 'web-1', 9001);
    await register('web', 'web-2', 9002);
    watcher = new CatalogWatcher({
      transport: new ConsulClientTransport(consulAddress({ CONSUL_HTTP_ADDR: consul.httpAddr.replace(/^http:\/\//, '') })),
      onSnapshot: (snapshot) => snapshots.push(snapshot),
    });
    watcher.start();

    const snapshot = await untilSnapshot('web with two instances', (s) => s.services.get('web')?.length === 2);
    expect(instanceIds(snapshot, 'web')).toEqual(['web-1:passing', 'web-2:passing']);
    expect(snapshot.services.has('consul')).toBe(false);
    expect(snapshot.services.get('web')?.[0]).toMatchObject({ address: '127.0.0.1', port: 9001, tags: ['v1'], node: 'mesh-dev' });
    expect(catalogHealth(watcher.status())).toMatchObject({ status: 'UP', failingWatches: [] });
  });

  it('keeps a warning instance, marked warning', async () => {
    await put('/v1/agent/check/warn/web-2-ttl');
    const snapshot = await untilSnapshot('web-2 warning', (s) => instanceIds(s, 'web')?.includes('web-2:warning') === true);
    expect(instanceIds(snapshot, 'web')).toEqual(['web-1:passing', 'web-2:warning']);
  });

  it('removes an instance whose check fails, timestamping when the change was seen', async () => {
    const before = Date.now();
    await put('/v1/agent/check/fail/web-2-ttl');
    const snapshot = await untilSnapshot('web-2 removed', (s) => s.services.get('web')?.length === 1);
    expect(instanceIds(snapshot, 'web')).toEqual(['web-1:passing']);
    expect(snapshot.changed).toEqual(['web']);
    expect(snapshot.observedAt).toBeGreaterThanOrEqual(before);
    expect(snapshot.observedAt).toBeLessThanOrEqual(Date.now());
  });

  it('picks up a service registered after the watcher started', async () => {
    await register('api', 'api-1', 9101);
    const snapshot = await untilSnapshot('api appears', (s) => s.services.get('api')?.length === 1);
    expect(snapshot.services.get('api')?.[0]).toMatchObject({ id: 'api-1', port: 9101, health: 'passing' });
    // Three watches whatever the number of services: the catalog, the checks, and the reads of single services.
    expect(watcher.status().watches.map((w) => w.name)).toEqual(['catalog', 'health-state', 'health']);
  });

  it('drops a service once it is deregistered', async () => {
    await put('/v1/agent/service/deregister/api-1');
    const snapshot = await untilSnapshot('api gone', (s) => !s.services.has('api'));
    expect([...snapshot.services.keys()]).toEqual(['web']);
    expect(catalogHealth(watcher.status())).toMatchObject({ status: 'UP', failingWatches: [] });
  });

  it('follows an instance registered without checks, and a port change, which only the services table shows', async () => {
    await put('/v1/agent/service/register', { ID: 'web-3', Name: 'web', Address: '127.0.0.1', Port: 9003 });
    await untilSnapshot('web-3 appears', (s) => instanceIds(s, 'web')?.includes('web-3:passing') === true);
    await put('/v1/agent/service/register', { ID: 'web-3', Name: 'web', Address: '127.0.0.1', Port: 9004 });
    const snapshot = await untilSnapshot('web-3 on its new port', (s) => s.services.get('web')?.some((i) => i.id === 'web-3' && i.port === 9004) === true);
    expect(snapshot.changed).toEqual(['web']);
    await put('/v1/agent/service/deregister/web-3');
    await untilSnapshot('web-3 gone', (s) => instanceIds(s, 'web')?.includes('web-3:passing') === false);
  });

  it('emitted only real changes: no snapshot repeats the one before it', () => {
    const history = snapshots.map(describeSnapshot);
    expect(history.filter((state, i) => state === history[i - 1])).toEqual([]);
    expect(snapshots.map((s) => s.version).filter((v, i) => v === snapshots[i - 1]?.version)).toEqual([]);
  });

  it('reports DEGRADED when Consul stops, and keeps serving the last snapshot', async () => {
    const last = watcher.snapshot;
    await consul.process.stop();
    const health = await waitFor(
      'watcher DEGRADED',
      async () => {
        const h = catalogHealth(watcher.status());
        if (h.status === 'DEGRADED') return h;
        throw new Error(`status ${h.status}`);
      },
      DEADLINE,
    );
    expect(health.reason).toContain('is unreachable');
    expect(health.degradedSince).toBeInstanceOf(Date);
    expect(health.snapshot?.version).toBe(last?.version);
    expect(watcher.snapshot).toBe(last);
    expect(instanceIds(watcher.snapshot as CatalogSnapshot, 'web')).toEqual(['web-1:passing']);
  });
});
