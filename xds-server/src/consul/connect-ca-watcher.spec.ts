import { CA_ROOTS_PATH, leafCertPath } from './connect-ca';
import { connectCaHealth } from './connect-ca-health';
import { type ConnectCaSnapshot, ConnectCaWatcher, type ConnectCaWatcherOptions } from './connect-ca-watcher';
import { leafBody, rootsBody } from './connect-ca.spec-helper';
import { ConsulConfigError, type ConsulError } from './consul-errors';
import { ConsulClientTransport } from './consul-client-transport';
import { eventually, FakeConsul, trackTimers } from './fake-consul.spec-helper';

const WEB = leafCertPath('web');
const API = leafCertPath('api');
const HOUR = 3_600_000;

describe('ConnectCaWatcher against a fake Consul', () => {
  let consul: FakeConsul;
  let watcher: ConnectCaWatcher | undefined;
  let snapshots: ConnectCaSnapshot[];
  let errors: Array<{ error: ConsulError; watch: string }>;
  let now: number;

  beforeEach(async () => {
    consul = await FakeConsul.start();
    snapshots = [];
    errors = [];
    now = Date.parse('2026-11-23T00:00:00Z');
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await watcher?.stop();
    watcher = undefined;
    await consul.close();
  });

  function start(services: string[], overrides: Partial<ConnectCaWatcherOptions> = {}): ConnectCaWatcher {
    watcher = new ConnectCaWatcher({
      transport: new ConsulClientTransport(consul.address),
      onSnapshot: (s) => snapshots.push(s),
      onError: (error, watch) => errors.push({ error, watch }),
      wait: '5s',
      rateLimit: { capacity: 100, refillIntervalMs: 1 },
      backoff: { initialMs: 5, maxMs: 20 },
      clock: () => now,
      ...overrides,
    });
    watcher.setServices(services);
    watcher.start();
    return watcher;
  }

  function seed(): void {
    consul.set(CA_ROOTS_PATH, rootsBody('root-a', [{ id: 'root-a', serial: 7, active: true }]));
    consul.set(WEB, leafBody('web', { serial: '09' }));
    consul.set(API, leafBody('api', { serial: '0a' }));
  }

  const serials = (snapshot: ConnectCaSnapshot | undefined): Record<string, string> =>
    Object.fromEntries([...(snapshot?.leaves ?? [])].map(([service, leaf]) => [service, leaf.serialNumber]));

  it('emits one first snapshot with the roots and every leaf asked for', async () => {
    seed();
    start(['web', 'api']);
    await eventually('first snapshot', () => snapshots.length === 1);
    await eventually('all watches blocked', () => consul.blocked === 3);
    const [first] = snapshots;
    expect(first?.roots.map((r) => r.id)).toEqual(['root-a']);
    expect(serials(first)).toEqual({ api: '0a', web: '09' });
    expect([...(first?.leaves.keys() ?? [])]).toEqual(['api', 'web']);
    expect(first).toMatchObject({ rootsChanged: true, changedLeaves: ['api', 'web'], datacenter: 'dc1', activeRootId: 'root-a' });
    expect(snapshots).toHaveLength(1);
  });

  it('during a root rotation trusts both roots, then serves the leaf signed by the new root', async () => {
    seed();
    start(['web', 'api']);
    await eventually('web blocked', () => snapshots.length === 1 && consul.blockedOn(WEB) === 1);

    consul.set(
      CA_ROOTS_PATH,
      rootsBody('root-b', [
        { id: 'root-a', serial: 7, active: false },
        { id: 'root-b', serial: 10, active: true, intermediates: ['-----BEGIN CERTIFICATE-----\nY3Jvc3M=\n-----END CERTIFICATE-----'] },
      ]),
    );
    await eventually('rotation snapshot', () => snapshots.length === 2);
    const rotating = snapshots[1];
    expect(rotating?.roots.map((r) => `${r.id}:${r.active}`)).toEqual(['root-a:false', 'root-b:true']);
    expect(rotating).toMatchObject({ rootsChanged: true, changedLeaves: [], activeRootId: 'root-b' });
    expect(rotating?.leaves.get('web')).toBe(snapshots[0]?.leaves.get('web'));

    consul.set(WEB, leafBody('web', { serial: '0c', signedBy: 'root-b' }));
    await eventually('web re-issued', () => snapshots.length === 3);
    const reissued = snapshots[2];
    expect(reissued).toMatchObject({ rootsChanged: false, changedLeaves: ['web'] });
    expect(reissued?.roots).toBe(rotating?.roots);
    expect(reissued?.leaves.get('web')?.certChainPem).toContain(Buffer.from('leaf web 0c by root-b').toString('base64'));
    expect(reissued?.leaves.get('api')).toBe(snapshots[0]?.leaves.get('api'));
    expect(new Set(snapshots.map((s) => s.version)).size).toBe(3);
  });

  it('emits a renewed leaf at once and stays silent when an answer brings the same certificate', async () => {
    seed();
    start(['web', 'api']);
    await eventually('web blocked', () => snapshots.length === 1 && consul.blockedOn(WEB) === 1);
    consul.touch(WEB);
    consul.touch(CA_ROOTS_PATH);
    await eventually('re-blocked', () => consul.blocked === 3 && consul.searches(WEB).length === 3);
    expect(snapshots).toHaveLength(1);

    consul.set(WEB, leafBody('web', { serial: '0d', validAfter: '2026-11-23T00:00:00Z', validBefore: '2026-11-26T00:00:00Z' }));
    await eventually('renewed', () => snapshots.length === 2);
    expect(snapshots[1]).toMatchObject({ rootsChanged: false, changedLeaves: ['web'] });
    expect(serials(snapshots[1])).toEqual({ api: '0a', web: '0d' });
    expect(watcher?.status().leaves.find((l) => l.service === 'web')).toMatchObject({
      serialNumber: '0d',
      validBefore: new Date('2026-11-26T00:00:00Z'),
      remainingMs: 3 * 24 * HOUR,
      renewable: true,
    });
  });

  it('keeps the certificates while Consul is unreachable, and warns about the ones that will expire unrenewed', async () => {
    consul.set(CA_ROOTS_PATH, rootsBody('root-a', [{ id: 'root-a', serial: 7, active: true }]));
    // web: 72 h leaf, 10 h left: inside 20 % (14.4 h). api: 72 h leaf, 40 h left: outside.
    consul.set(WEB, leafBody('web', { serial: '09', validAfter: '2026-11-20T10:00:00Z', validBefore: '2026-11-23T10:00:00Z' }));
    consul.set(API, leafBody('api', { serial: '0a', validAfter: '2026-11-22T16:00:00Z', validBefore: '2026-11-24T16:00:00Z' }));
    const w = start(['web', 'api']);
    await eventually('up', () => connectCaHealth(w.status()).status === 'UP');
    expect(w.status().warnings).toEqual([]);
    const last = w.snapshot;

    await consul.close();
    const health = await eventually('degraded', () => {
      const h = connectCaHealth(w.status());
      return h.failingWatches.length === 3 && h;
    });
    expect(health.status).toBe('DEGRADED');
    expect(w.snapshot).toBe(last);
    expect(snapshots).toHaveLength(1);
    expect(serials(w.snapshot)).toEqual({ api: '0a', web: '09' });
    const status = w.status();
    expect(status.leaves.map((l) => `${l.service}:${l.renewable}`)).toEqual(['api:false', 'web:false']);
    expect(status.warnings).toHaveLength(1);
    expect(status.warnings[0]).toMatchObject({ certificate: 'leaf:web', kind: 'expiring', remainingMs: 10 * HOUR });
    expect(status.warnings[0]?.message).toMatch(/leaf:web expires at 2026-11-23T10:00:00.000Z \(in 10 h 0 min\) and cannot be renewed/);
    expect(health.reason).toBe(status.warnings[0]?.message);
    expect(health.nextExpiry).toEqual({ certificate: 'leaf:web', at: new Date('2026-11-23T10:00:00Z') });
    expect(JSON.stringify(status)).not.toContain('PRIVATE KEY');

    now = Date.parse('2026-11-23T11:00:00Z');
    expect(w.status().warnings.map((x) => `${x.certificate}:${x.kind}`)).toEqual(['leaf:web:expired']);
    consul = await FakeConsul.start(); // for afterEach
  });

  it('warns about a short leaf for the whole of its last hour (the floor), but only while it cannot be renewed', async () => {
    consul.set(CA_ROOTS_PATH, rootsBody('root-a', [{ id: 'root-a', serial: 7, active: true }]));
    consul.set(WEB, leafBody('web', { serial: '09', validAfter: '2026-11-22T23:30:00Z', validBefore: '2026-11-23T00:30:00Z' }));
    const w = start(['web']);
    await eventually('first snapshot', () => snapshots.length === 1);
    expect(w.status().warnings).toEqual([]);
    consul.script(WEB, { status: 500, body: 'No cluster leader' }, { status: 500, body: 'No cluster leader' });
    consul.touch(WEB);
    await eventually('warning', () => w.status().warnings.length === 1);
    expect(w.status().warnings[0]).toMatchObject({ certificate: 'leaf:web', kind: 'expiring', remainingMs: 30 * 60_000 });
    await eventually('recovered', () => w.status().watches.every((x) => x.consecutiveErrors === 0) && consul.blockedOn(WEB) === 1);
    expect(w.status().warnings).toEqual([]);
    expect(errors.map((e) => e.watch)).toEqual(['leaf:web', 'leaf:web']);
  });

  it('stops the leaf watch of a service that is removed and emits without its leaf', async () => {
    seed();
    const w = start(['web', 'api']);
    await eventually('api blocked', () => snapshots.length === 1 && consul.blockedOn(API) === 1);
    w.setServices(['web']);
    await eventually('api gone', () => snapshots.length === 2);
    expect(snapshots[1]).toMatchObject({ rootsChanged: false, changedLeaves: ['api'] });
    expect(serials(snapshots[1])).toEqual({ web: '09' });
    await eventually('api watch ended', () => consul.blockedOn(API) === 0);
    const sent = consul.searches(API).length;
    consul.set(API, leafBody('api', { serial: '0b' }));
    await eventually('web still watched', () => consul.blockedOn(WEB) === 1);
    expect(consul.searches(API)).toHaveLength(sent);
    expect(w.status().watches.map((x) => x.name)).toEqual(['roots', 'leaf:web']);
    expect(snapshots).toHaveLength(2);

    w.setServices(['web', 'api']);
    await eventually('api back', () => snapshots.length === 3);
    expect(snapshots[2]).toMatchObject({ changedLeaves: ['api'] });
    expect(serials(snapshots[2])).toEqual({ api: '0b', web: '09' });
  });

  it('does not hold the first snapshot back for a leaf that cannot be read', async () => {
    consul.set(CA_ROOTS_PATH, rootsBody('root-a', [{ id: 'root-a', serial: 7, active: true }]));
    consul.set(WEB, leafBody('web', { serial: '09' }));
    consul.script(API, { status: 403, body: 'Permission denied' }, { status: 403, body: 'Permission denied' });
    consul.set(API, leafBody('api', { serial: '0a' }));
    start(['web', 'api']);
    await eventually('first snapshot', () => snapshots.length >= 1);
    expect(serials(snapshots[0])).toEqual({ web: '09' });
    await eventually('api joins', () => snapshots.length === 2);
    expect(snapshots[1]).toMatchObject({ changedLeaves: ['api'], rootsChanged: false });
    expect(errors.filter((e) => e.watch === 'leaf:api')).toHaveLength(2);
  });

  it('emits nothing until the roots are read', async () => {
    consul.script(CA_ROOTS_PATH, { status: 500, body: 'CA not initialized' });
    consul.set(CA_ROOTS_PATH, rootsBody('root-a', [{ id: 'root-a', serial: 7, active: true }]));
    consul.set(WEB, leafBody('web', { serial: '09' }));
    // Read at the failure itself: the retry, 5 ms later, may already have succeeded by the time a poll looks.
    let healthAtError: string | undefined;
    const w = start(['web'], {
      onError: (error, watch) => {
        errors.push({ error, watch });
        healthAtError ??= connectCaHealth(w.status()).status;
      },
    });
    await eventually('roots error', () => errors.length === 1);
    expect(healthAtError).toBeDefined();
    expect(healthAtError).not.toBe('UP');
    await eventually('first snapshot', () => snapshots.length === 1);
    expect(serials(snapshots[0])).toEqual({ web: '09' });
  });

  it('rejects a warning fraction outside 0..1', () => {
    expect(
      () => new ConnectCaWatcher({ transport: new ConsulClientTransport(consul.address), onSnapshot: () => undefined, expiryWarning: { fraction: 20 } }),
    ).toThrow(ConsulConfigError);
  });

  it('stop() ends every watch promptly and leaves no timer behind', async () => {
    const timers = trackTimers();
    seed();
    const w = start(['web', 'api'], { wait: '5m' });
    await eventually('all blocked', () => consul.blocked === 3);
    const started = Date.now();
    await w.stop();
    watcher = undefined;
    expect(Date.now() - started).toBeLessThan(300);
    await eventually('requests gone', () => consul.blocked === 0);
    expect(timers.pending()).toEqual([]);
  });
});
