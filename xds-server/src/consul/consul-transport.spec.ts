import { ConsulHttpError, ConsulResponseError, ConsulUnreachableError } from './consul-errors';
import { ConsulClientTransport } from './consul-client-transport';
import type { ConsulTransport } from './consul-transport';
import { FakeConsul } from './fake-consul.spec-helper';

const PATH = '/v1/catalog/services';

describe('ConsulClientTransport', () => {
  const TransportClass = ConsulClientTransport;
  let consul: FakeConsul;
  beforeEach(async () => {
    consul = await FakeConsul.start();
  });
  afterEach(() => consul.close());

  const get = (transport: ConsulTransport, query: Array<[string, string]> = [], timeoutMs = 2000, signal = new AbortController().signal) =>
    transport.get({ path: PATH, query, signal, timeoutMs });

  it('returns the JSON body and the raw X-Consul-Index, sending query parameters in order', async () => {
    consul.set(PATH, { web: [] }, { index: 77n });
    const response = await get(new TransportClass(consul.address), [['index', '5'], ['wait', '1s']]);
    expect(response).toEqual({ index: '77', body: { web: [] }, durationMs: expect.any(Number) });
    expect(consul.searches(PATH)).toEqual(['index=5&wait=1s']);
  });

  it('sends the ACL token as X-Consul-Token, and nothing without one', async () => {
    consul.set(PATH, {});
    await get(new TransportClass(consul.address, { token: 's3cr3t' }));
    await get(new TransportClass(consul.address));
    expect(consul.requests.map((r) => r.token)).toEqual(['s3cr3t', undefined]);
  });

  it('turns a request that outlives its timeout into ConsulUnreachableError', async () => {
    consul.set(PATH, {}, { index: 5n });
    const attempt = get(new TransportClass(consul.address), [['index', '5'], ['wait', '5m']], 50);
    await expect(attempt).rejects.toThrow(ConsulUnreachableError);
    await expect(attempt).rejects.toThrow(`(GET ${PATH}?index=5&wait=5m: no answer within 50 ms)`);
  });

  it('rejects at once, and not as a Consul error, when the caller aborts', async () => {
    consul.set(PATH, {}, { index: 5n });
    const stop = new AbortController();
    const attempt = get(new TransportClass(consul.address), [['index', '5'], ['wait', '5m']], 60_000, stop.signal);
    setImmediate(() => stop.abort());
    await expect(attempt).rejects.toThrow(expect.objectContaining({ name: 'AbortError' }));
  });

  it('explains a 403 with the ACL fix', async () => {
    consul.script(PATH, { status: 403, body: 'Permission denied' });
    const attempt = get(new TransportClass(consul.address));
    await expect(attempt).rejects.toThrow(ConsulHttpError);
    consul.script(PATH, { status: 403, body: 'Permission denied' });
    await expect(get(new TransportClass(consul.address))).rejects.toThrow(
      `Consul at ${consul.address} answered GET ${PATH} with HTTP 403: Permission denied. ACLs are enabled: set CONSUL_HTTP_TOKEN to a token with service:read and node:read on the services watched.`,
    );
  });

  it('rejects a body that is not JSON', async () => {
    consul.script(PATH, { body: '<html>proxy error</html>' });
    await expect(get(new TransportClass(consul.address))).rejects.toThrow(ConsulResponseError);
  });
});

describe('ConsulClientTransport connection limit', () => {
  let consul: FakeConsul;
  beforeEach(async () => {
    consul = await FakeConsul.start();
  });
  afterEach(() => consul.close());

  it('never opens more than maxConnections, queueing the requests beyond them', async () => {
    consul.set(PATH, {}, { index: 5n });
    const transport = new ConsulClientTransport(consul.address, { maxConnections: 2 });
    const stop = new AbortController();
    const request = (query: Array<[string, string]>) => transport.get({ path: PATH, query, signal: stop.signal, timeoutMs: 10_000 });
    // Two blocking requests hold both connections; the reads queue behind them.
    const blocked = [request([['index', '5'], ['wait', '300ms']]), request([['index', '5'], ['wait', '300ms']])];
    const reads = Array.from({ length: 20 }, () => request([]));
    await Promise.all([...blocked, ...reads]);
    await Promise.all(Array.from({ length: 50 }, () => request([])));
    expect(consul.maxConnections).toBe(2);
    transport.close();
  });

  it('rejects a limit below 1', () => {
    expect(() => new ConsulClientTransport('http://127.0.0.1:8500', { maxConnections: 0 })).toThrow('Invalid Consul maxConnections 0');
  });
});
