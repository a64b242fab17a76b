import { type AnswerInfo, BlockingQuery, type BlockingQueryOptions, type ChangeInfo } from './blocking-query';
import { ConsulConsumerError, type ConsulError, ConsulHttpError, ConsulResponseError, ConsulUnreachableError } from './consul-errors';
import { ConsulClientTransport } from './consul-client-transport';
import { closedPort, eventually, FakeConsul, trackTimers } from './fake-consul.spec-helper';
import { TokenBucket } from './token-bucket';

const PATH = '/v1/kv/thing';

describe('BlockingQuery against a fake Consul', () => {
  let consul: FakeConsul;
  const queries: Array<BlockingQuery<unknown>> = [];

  beforeEach(async () => {
    consul = await FakeConsul.start();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await Promise.all(queries.splice(0).map((q) => q.stop()));
    await consul.close();
  });

  function watch<T = unknown>(overrides: Partial<BlockingQueryOptions<T>> = {}) {
    const changes: Array<{ value: T; info: ChangeInfo }> = [];
    const errors: ConsulError[] = [];
    const query = new BlockingQuery<T>({
      transport: new ConsulClientTransport(consul.address),
      path: PATH,
      parse: (body) => body as T,
      onChange: (value, info) => changes.push({ value, info }),
      onError: (error) => errors.push(error),
      wait: '2s',
      rateLimit: { capacity: 100, refillIntervalMs: 1 },
      backoff: { initialMs: 5, maxMs: 20 },
      ...overrides,
    });
    queries.push(query as BlockingQuery<unknown>);
    query.start();
    return { query, changes, errors };
  }

  it('reads once without blocking, then blocks with ?index=<X-Consul-Index>&wait=', async () => {
    const index = consul.set(PATH, { v: 1 });
    const { changes } = watch();
    await eventually('a blocked request', () => consul.blockedOn(PATH) === 1);
    expect(consul.searches(PATH)).toEqual(['', `index=${index}&wait=2s`]);
    expect(changes).toEqual([{ value: { v: 1 }, info: { index: String(index), observedAt: expect.any(Number) } }]);
  });

  it('stays silent when Consul returns without a change, but follows the new index', async () => {
    consul.set(PATH, { v: 1 });
    const { changes } = watch();
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    const touched = consul.touch(PATH);
    await eventually('blocked on the new index', () => consul.searches(PATH).includes(`index=${touched}&wait=2s`) && consul.blockedOn(PATH) === 1);
    expect(changes).toHaveLength(1);

    const changed = consul.set(PATH, { v: 2 });
    await eventually('second change', () => changes.length === 2);
    expect(changes[1]).toEqual({ value: { v: 2 }, info: { index: String(changed), observedAt: expect.any(Number) } });
  });

  it('compares content independently of key order', async () => {
    consul.set(PATH, { a: 1, b: 2 });
    const { changes } = watch();
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    const reordered = consul.set(PATH, { b: 2, a: 1 });
    await eventually('blocked again', () => consul.searches(PATH).includes(`index=${reordered}&wait=2s`));
    expect(changes).toHaveLength(1);
  });

  it('resets to a fresh read when the index goes backwards', async () => {
    consul.set(PATH, { v: 1 }, { index: 100n });
    const { query, changes } = watch();
    await eventually('blocked at 100', () => consul.blockedOn(PATH) === 1);
    consul.set(PATH, { v: 'restored' }, { index: 40n });
    await eventually('blocked at 40', () => consul.blockedOn(PATH) === 1 && query.state.index === '40');
    expect(consul.searches(PATH)).toEqual(['', 'index=100&wait=2s', '', 'index=40&wait=2s']);
    expect(changes.map((c) => c.value)).toEqual([{ v: 1 }, { v: 'restored' }]);
  });

  it('clamps an index of 0 to 1', async () => {
    consul.script(PATH, { body: { v: 0 }, index: '0' });
    consul.set(PATH, { v: 1 }, { index: 5n });
    watch();
    await eventually('blocked at 5', () => consul.blockedOn(PATH) === 1);
    expect(consul.searches(PATH)).toEqual(['', 'index=1&wait=2s', 'index=5&wait=2s']);
  });

  it('rate-limits a loop that Consul answers without blocking', async () => {
    consul.set(PATH, { v: 1 }, { hot: true });
    const bucket = new TokenBucket({ capacity: 2, refillIntervalMs: 100 });
    const { changes } = watch({ rateLimit: bucket });
    await new Promise((r) => setTimeout(r, 450));
    const sent = consul.searches(PATH).length;
    // Unlimited, this would be hundreds of requests; limited, it is the burst plus one per 100 ms.
    expect(sent).toBeGreaterThanOrEqual(4);
    expect(sent).toBeLessThanOrEqual(8);
    expect(changes).toHaveLength(1);
  });

  it('follows an answer that carried a change at once, without taking a token', async () => {
    consul.set(PATH, { v: 0 });
    const bucket = new TokenBucket({ capacity: 1, refillIntervalMs: 60_000 });
    const { changes } = watch({ rateLimit: bucket });
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    for (let v = 1; v <= 5; v++) {
      consul.set(PATH, { v });
      // With one token a minute, a second request held by the bucket would miss the deadline.
      await eventually(`change ${v} seen and blocked again`, () => changes.length === v + 1 && consul.blockedOn(PATH) === 1);
    }
    expect(bucket.available).toBe(1);
  });

  it('takes a token for each answer that changed nothing, and waits for the next one', async () => {
    const timers = trackTimers();
    consul.set(PATH, { v: 1 }, { index: 50n });
    const bucket = new TokenBucket({ capacity: 1, refillIntervalMs: 60_000 });
    const { changes } = watch({ rateLimit: bucket });
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    consul.set(PATH, { v: 1 }, { index: 51n });
    await eventually('the token spent, blocked again', () => consul.searches(PATH).includes('index=51&wait=2s') && consul.blockedOn(PATH) === 1);
    consul.set(PATH, { v: 1 }, { index: 52n });
    await eventually('waiting for the next token', () => timers.pending().some((t) => /^\d{5} ms timer from .*abortable-sleep\.ts/.test(t)));
    expect(consul.blockedOn(PATH)).toBe(0);
    expect(consul.searches(PATH)).toEqual(['', 'index=50&wait=2s', 'index=51&wait=2s']);
    expect(changes).toHaveLength(1);
  });

  it('tells onAnswer about every answer: the index sent and returned, and whether it changed', async () => {
    consul.set(PATH, { v: 1 }, { index: 7n });
    const answers: AnswerInfo[] = [];
    watch({ onAnswer: (info) => answers.push(info) });
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    consul.set(PATH, { v: 1 }, { index: 8n });
    await eventually('blocked at 8', () => consul.searches(PATH).includes('index=8&wait=2s'));
    consul.set(PATH, { v: 2 }, { index: 9n });
    await eventually('three answers', () => answers.length === 3);
    expect(answers.map(({ sent, returned, changed }) => ({ sent, returned, changed }))).toEqual([
      { sent: 0n, returned: 7n, changed: true },
      { sent: 7n, returned: 8n, changed: false },
      { sent: 8n, returned: 9n, changed: true },
    ]);
  });

  it('backs off on 5xx, reports each error, and recovers', async () => {
    consul.script(PATH, { status: 500, body: 'No cluster leader' }, { status: 503, body: 'rpc error' });
    consul.set(PATH, { v: 1 });
    const { query, changes, errors } = watch();
    await eventually('recovered', () => changes.length === 1);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(ConsulHttpError);
    expect(errors[0]?.message).toBe(
      `Consul at ${consul.address} answered GET ${PATH} with HTTP 500: No cluster leader. ` +
        'Consul itself is unhealthy (often: no cluster leader); check the Consul logs. The watch retries with backoff.',
    );
    const state = query.state;
    expect(state.consecutiveErrors).toBe(0);
    expect(state.failingSince).toBeUndefined();
    expect(state.lastError).toBe(errors[1]);
    expect(state.lastSuccessAt).toBeInstanceOf(Date);
  });

  it('follows a failure with a plain read, so a restarted agent with a lower index cannot leave the watch hanging', async () => {
    // The agent answers at index 100, fails the blocking request, and comes back (restarted) at index 7.
    consul.script(PATH, { body: { v: 1 }, index: '100' }, { status: 500, body: 'No cluster leader' });
    consul.set(PATH, { v: 1 }, { index: 7n });
    const { changes } = watch();
    await eventually('blocked at 7', () => consul.searches(PATH).includes('index=7&wait=2s'));
    expect(consul.searches(PATH)).toEqual(['', 'index=100&wait=2s', '', 'index=7&wait=2s']);
    expect(changes).toHaveLength(1);
  });

  it('counts consecutive errors and when they began while Consul is unreachable', async () => {
    const port = await closedPort();
    const seen: number[] = [];
    const query = new BlockingQuery({
      transport: new ConsulClientTransport(`http://127.0.0.1:${port}`),
      path: PATH,
      parse: (body) => body,
      onChange: () => undefined,
      onError: (_error, state) => seen.push(state.consecutiveErrors),
      backoff: { initialMs: 5, maxMs: 10 },
      clock: () => Date.parse('2026-01-01T00:00:00Z'),
    });
    queries.push(query);
    query.start();
    await eventually('three failures', () => seen.length >= 3);
    expect(seen.slice(0, 3)).toEqual([1, 2, 3]);
    const state = query.state;
    expect(state.lastError).toBeInstanceOf(ConsulUnreachableError);
    expect(state.lastError?.message).toContain(`Consul at http://127.0.0.1:${port} is unreachable (GET ${PATH}: ECONNREFUSED`);
    expect(state.lastError?.message).toContain('Check that the Consul agent is running and that CONSUL_HTTP_ADDR points at its HTTP API');
    expect(state.failingSince?.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(state.lastSuccessAt).toBeUndefined();
  });

  it('keeps the last value while Consul is gone', async () => {
    consul.set(PATH, { v: 1 });
    const { query, errors } = watch();
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    await consul.close();
    await eventually('failing', () => errors.length >= 2);
    expect(query.current).toEqual({ v: 1 });
    expect(query.state.consecutiveErrors).toBeGreaterThanOrEqual(2);
    consul = await FakeConsul.start(); // for afterEach
  });

  it('reports a missing X-Consul-Index as a response error', async () => {
    consul.script(PATH, { body: {}, index: null });
    consul.set(PATH, { v: 1 });
    const { errors, changes } = watch();
    await eventually('recovered', () => changes.length === 1);
    expect(errors[0]).toBeInstanceOf(ConsulResponseError);
    expect(errors[0]?.message).toContain('the X-Consul-Index header is missing');
  });

  it('reports a body that parse() rejects, and a body that is not JSON', async () => {
    consul.script(PATH, { body: 'not json<' }, { body: { wrong: true } });
    consul.set(PATH, { v: 1 });
    const { errors, changes } = watch({
      parse: (body) => {
        if ((body as { wrong?: boolean }).wrong) throw new Error('wrong shape');
        return body;
      },
    });
    await eventually('recovered', () => changes.length === 1);
    expect(errors.map((e) => e.constructor.name)).toEqual(['ConsulResponseError', 'ConsulResponseError']);
    expect(errors[0]?.message).toContain('the body is not JSON');
    expect(errors[1]?.message).toContain('wrong shape');
  });

  it('redelivers a change the consumer threw on, without counting it as a Consul error', async () => {
    consul.set(PATH, { v: 1 });
    let calls = 0;
    const { query, errors } = watch({
      onChange: () => {
        calls += 1;
        if (calls === 1) throw new Error('translator bug');
      },
    });
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    expect(errors[0]).toBeInstanceOf(ConsulConsumerError);
    expect(errors[0]?.message).toContain('translator bug');
    expect(query.state.consecutiveErrors).toBe(0);
    expect(query.current).toBeUndefined();
    consul.touch(PATH);
    await eventually('redelivered', () => calls === 2);
    expect(query.current).toEqual({ v: 1 });
  });

  it('stop() ends a blocked request at once and leaves no timer behind', async () => {
    const timers = trackTimers();
    consul.set(PATH, { v: 1 });
    const { query } = watch({ wait: '5m' });
    await eventually('blocked', () => consul.blockedOn(PATH) === 1);
    expect(timers.pending()).toEqual([expect.stringMatching(/^\d+ ms timer from .*consul-client-transport\.ts/)]);
    const started = Date.now();
    await query.stop();
    expect(Date.now() - started).toBeLessThan(200);
    expect(query.state.running).toBe(false);
    await eventually('the server saw the request go away', () => consul.blockedOn(PATH) === 0);
    expect(timers.pending()).toEqual([]);
  });

  it('stop() ends a backoff wait at once', async () => {
    const port = await closedPort();
    const timers = trackTimers();
    const errors: ConsulError[] = [];
    const query = new BlockingQuery({
      transport: new ConsulClientTransport(`http://127.0.0.1:${port}`),
      path: PATH,
      parse: (body) => body,
      onChange: () => undefined,
      onError: (error) => errors.push(error),
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    });
    queries.push(query);
    query.start();
    await eventually('first failure', () => errors.length === 1);
    expect(timers.pending()).toEqual([expect.stringMatching(/^\d+ ms timer from .*abortable-sleep\.ts/)]);
    const started = Date.now();
    await query.stop();
    expect(Date.now() - started).toBeLessThan(200);
    expect(timers.pending()).toEqual([]);
  });

  it('rejects an invalid wait at construction', () => {
    expect(() => watch({ wait: '1h' })).toThrow('Invalid blocking query wait "1h"');
    queries.pop();
  });
});
