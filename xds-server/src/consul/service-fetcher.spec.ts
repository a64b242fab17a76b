import { ConsulConsumerError, type ConsulError, ConsulHttpError } from './consul-errors';
import { ConsulClientTransport } from './consul-client-transport';
import { eventually, FakeConsul, healthEntry, trackTimers } from './fake-consul.spec-helper';
import type { RefetchJob } from './refetch-queue';
import { healthServicePath, ServiceFetcher, type ServiceFetcherOptions, type ServiceRead } from './service-fetcher';

const PREFIX = '/v1/health/service/';

describe('ServiceFetcher against a fake Consul', () => {
  let consul: FakeConsul;
  let fetcher: ServiceFetcher | undefined;
  let reads: Array<{ job: RefetchJob; read: ServiceRead }>;
  let errors: Array<{ error: ConsulError; service: string | undefined }>;

  beforeEach(async () => {
    consul = await FakeConsul.start();
    reads = [];
    errors = [];
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await fetcher?.stop();
    fetcher = undefined;
    await consul.close();
  });

  function create(overrides: Partial<ServiceFetcherOptions> = {}): ServiceFetcher {
    fetcher = new ServiceFetcher({
      transport: new ConsulClientTransport(consul.address),
      onRead: (job, read) => reads.push({ job, read }),
      onError: (error, service) => errors.push({ error, service }),
      backoff: { initialMs: 5, maxMs: 20 },
      ...overrides,
    });
    return fetcher;
  }

  function serve(count: number): string[] {
    const names = Array.from({ length: count }, (_, i) => `svc-${i}`);
    for (const name of names) consul.set(healthServicePath(name), [healthEntry(name, `${name}-1`), healthEntry(name, `${name}-2`, { status: 'critical', node: 'node-2' })]);
    return names;
  }

  it('reads nothing until resumed, then every marked service once, without blocking', async () => {
    const names = serve(3);
    const f = create();
    for (const name of names) f.mark(name, 'change', 1);
    f.mark('svc-0', 'change', 2);
    await new Promise((r) => setImmediate(r));
    expect(consul.requests).toEqual([]);
    f.resume();
    await eventually('three reads', () => reads.length === 3);
    expect(consul.requests.map((r) => r.search)).toEqual(['', '', '']);
    expect(reads[0]?.read.instances.map((i) => i.id)).toEqual(['svc-0-1']);
    // The critical instance is not served, but its node is known.
    expect(reads[0]?.read.nodes).toEqual(['node-1', 'node-2']);
  });

  it('never has more than `concurrency` reads in flight', async () => {
    const names = serve(25);
    consul.hold(PREFIX);
    const f = create({ concurrency: 4 });
    for (const name of names) f.mark(name, 'sweep', 1);
    f.resume();
    await eventually('four held', () => consul.heldOn(PREFIX) === 4);
    expect(f.reading).toBe(4);
    consul.release();
    await eventually('all read', () => reads.length === 25);
    expect(consul.mostHeldOn(PREFIX)).toBe(4);
  });

  it('retries a failed read after a backoff, reporting the error, and recovers', async () => {
    serve(1);
    consul.script(healthServicePath('svc-0'), { status: 500, body: 'No cluster leader' }, { status: 500, body: 'No cluster leader' });
    const f = create();
    f.mark('svc-0', 'change', 1);
    f.resume();
    await eventually('read at last', () => reads.length === 1);
    expect(errors.map((e) => [e.service, e.error.constructor])).toEqual([
      ['svc-0', ConsulHttpError],
      ['svc-0', ConsulHttpError],
    ]);
    expect(f.state.consecutiveErrors).toBe(0);
    expect(f.state.lastError).toBe(errors[1]?.error);
  });

  it('reports a throwing consumer as a consumer error, not a Consul failure', async () => {
    serve(1);
    const f = create({
      onRead: () => {
        throw new Error('translator bug');
      },
    });
    f.mark('svc-0', 'change', 1);
    f.resume();
    await eventually('reported', () => errors.length === 1);
    expect(errors[0]?.error).toBeInstanceOf(ConsulConsumerError);
    expect(f.state.consecutiveErrors).toBe(0);
  });

  it('rejects a concurrency below 1', () => {
    expect(() => create({ concurrency: 0 })).toThrow('Invalid service fetch concurrency 0');
    fetcher = undefined;
  });

  it('stop() ends reads and backoffs at once and leaves no timer behind', async () => {
    const timers = trackTimers();
    serve(2);
    consul.script(healthServicePath('svc-1'), { status: 500, body: 'boom' });
    consul.hold(`${PREFIX}svc-0`);
    const f = create({ backoff: { initialMs: 60_000, maxMs: 60_000 } });
    f.mark('svc-0', 'change', 1);
    f.mark('svc-1', 'change', 1);
    f.resume();
    await eventually('one held, one backing off', () => consul.heldOn(`${PREFIX}svc-0`) === 1 && errors.length === 1);
    await f.stop();
    fetcher = undefined;
    expect(timers.pending()).toEqual([]);
  });
});
