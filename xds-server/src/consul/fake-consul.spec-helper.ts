import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConsulWait } from './consul-duration';

/** A one-off answer served before the path's normal behaviour. */
export interface ScriptedReply {
  status?: number;
  /** JSON-encoded unless it is a string. */
  body?: unknown;
  /** The X-Consul-Index header; null leaves it out. */
  index?: string | null;
}

interface Entry {
  body: unknown;
  index: bigint;
  /** Answer every request at once, as a misbehaving or very busy Consul would. */
  hot: boolean;
}

interface Waiter {
  path: string;
  respond: () => void;
  timer: NodeJS.Timeout;
}

/**
 * An in-process stand-in for Consul's HTTP API, just enough for unit tests of the loop logic:
 * per-path content with an index, blocking on `?index=&wait=` like Consul (hold while the
 * path's index is not above the one sent), scripted one-off replies, and a request log.
 */
export class FakeConsul {
  readonly requests: Array<{ path: string; search: string; token: string | undefined }> = [];
  private readonly entries = new Map<string, Entry>();
  private readonly scripts = new Map<string, ScriptedReply[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly held: Array<{ prefix: string; release: () => void }> = [];
  private readonly maxHeld = new Map<string, number>();
  private holding: string | undefined;
  private nextIndex = 10n;
  private openConnections = 0;
  /** The most TCP connections that were open at once. */
  maxConnections = 0;

  private constructor(
    private readonly server: Server,
    readonly address: string,
  ) {}

  static async start(): Promise<FakeConsul> {
    let fake: FakeConsul | undefined;
    const server = createServer((req, res) => fake?.handle(req, res));
    server.on('connection', (socket) => {
      if (!fake) return;
      const self = fake;
      self.openConnections += 1;
      self.maxConnections = Math.max(self.maxConnections, self.openConnections);
      socket.once('close', () => (self.openConnections -= 1));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeConsul(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return fake;
  }

  /** Holds every non-blocking answer on paths starting with `prefix` until `release()`. */
  hold(prefix: string): void {
    this.holding = prefix;
  }

  /** Answers everything held, and stops holding. */
  release(): void {
    this.holding = undefined;
    for (const { release } of this.held.splice(0)) release();
  }

  /** Answers held right now on paths starting with `prefix`. */
  heldOn(prefix: string): number {
    return this.held.filter((h) => h.prefix === prefix).length;
  }

  /** The most answers that were held at once on paths starting with `prefix`. */
  mostHeldOn(prefix: string): number {
    return this.maxHeld.get(prefix) ?? 0;
  }

  /** Sets the content at `path` under a new index (or the one given) and wakes its blocked requests. */
  /**
   * Sets the content at `path` under a new index (or the one given) and wakes its blocked
   * requests, unless `silent`: Consul moves some indexes without waking blocking queries
   * whose results did not change (a deregistration moves the checks table's index).
   */
  set(path: string, body: unknown, options: { index?: bigint; hot?: boolean; silent?: boolean } = {}): bigint {
    const index = options.index ?? this.nextIndex++;
    this.entries.set(path, { body, index, hot: options.hot ?? false });
    if (!options.silent) for (const waiter of [...this.waiters]) if (waiter.path === path) waiter.respond();
    return index;
  }

  /** Bumps the index at `path` without changing its content, like an idempotent write. */
  touch(path: string): bigint {
    const entry = this.entries.get(path);
    if (!entry) throw new Error(`fake consul: nothing at ${path}`);
    return this.set(path, entry.body, { hot: entry.hot });
  }

  remove(path: string): void {
    this.entries.delete(path);
  }

  script(path: string, ...replies: ScriptedReply[]): void {
    this.scripts.set(path, [...(this.scripts.get(path) ?? []), ...replies]);
  }

  /** The query strings (without '?') sent to `path`, in order. */
  searches(path: string): string[] {
    return this.requests.filter((r) => r.path === path).map((r) => r.search);
  }

  /** Requests currently held open by blocking. */
  get blocked(): number {
    return this.waiters.size;
  }

  blockedOn(path: string): number {
    return [...this.waiters].filter((w) => w.path === path).length;
  }

  async close(): Promise<void> {
    for (const waiter of this.waiters) clearTimeout(waiter.timer);
    this.waiters.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = decodeURIComponent(url.pathname);
    const token = req.headers['x-consul-token'];
    this.requests.push({ path, search: url.search.replace(/^\?/, ''), token: typeof token === 'string' ? token : undefined });

    const scripted = this.scripts.get(path)?.shift();
    if (scripted) return this.reply(res, scripted.status ?? 200, scripted.body ?? null, scripted.index === undefined ? String(this.nextIndex) : scripted.index);

    const sent = url.searchParams.get('index');
    const holding = this.holding;
    if (holding !== undefined && sent === null && path.startsWith(holding)) {
      this.held.push({ prefix: holding, release: () => this.serve(res, path) });
      this.maxHeld.set(holding, Math.max(this.mostHeldOn(holding), this.heldOn(holding)));
      return;
    }
    const entry = this.entries.get(path);
    if (!entry) return this.reply(res, 404, `Unknown path ${path}`, null);
    if (entry.hot) entry.index = this.nextIndex++;
    if (entry.hot || sent === null || entry.index > BigInt(sent)) return this.serve(res, path);

    const waitMs = parseConsulWait(url.searchParams.get('wait') ?? '5m');
    const waiter: Waiter = {
      path,
      respond: () => {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        this.serve(res, path);
      },
      timer: setTimeout(() => waiter.respond(), waitMs),
    };
    this.waiters.add(waiter);
    res.on('close', () => {
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
    });
  }

  private serve(res: ServerResponse, path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return this.reply(res, 404, `Unknown path ${path}`, null);
    this.reply(res, 200, entry.body, String(entry.index));
  }

  private reply(res: ServerResponse, status: number, body: unknown, index: string | null): void {
    if (res.writableEnded || res.destroyed) return;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (index !== null) headers['x-consul-index'] = index;
    res.writeHead(status, headers).end(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/**
 * Records the timers that the code under test (this folder, not its specs or this helper)
 * creates, so a test can prove that stop() leaves none pending. Counting the process's
 * timers instead would also count Jest's and undici's keep-alive timers, which come and go.
 */
export function trackTimers(): { pending: () => string[]; restore: () => void } {
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  const live = new Map<unknown, string>();
  const setSpy = jest.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const frames = (new Error().stack ?? '').split('\n').slice(1);
    const caller = frames.find((f) => !f.includes('node_modules') && !f.includes(__filename)) ?? '';
    const ours = caller.includes(`${__dirname}/`) && !/\.spec(-helper)?\.ts/.test(caller);
    const handle: NodeJS.Timeout = realSet(() => {
      live.delete(handle);
      callback(...args);
    }, ms);
    if (ours) live.set(handle, `${ms} ms timer from ${caller.trim()}`);
    return handle;
  }) as typeof setTimeout);
  const clearSpy = jest.spyOn(globalThis, 'clearTimeout').mockImplementation(((handle?: NodeJS.Timeout | string | number) => {
    live.delete(handle);
    realClear(handle);
  }) as typeof clearTimeout);
  return {
    pending: () => [...live.values()],
    restore: () => {
      setSpy.mockRestore();
      clearSpy.mockRestore();
    },
  };
}

/** Polls until `probe` holds; fails with what it last saw. For unit tests only (integration tests use the harness's waitFor). */
export async function eventually<T>(what: string, probe: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A port nothing listens on, for connection-refused cases. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One element of /v1/health/service/:name as Consul 1.22 returns it, with a node check and one service check. */
export function healthEntry(
  service: string,
  id: string,
  options: { port?: number; address?: string; status?: 'passing' | 'warning' | 'critical'; node?: string } = {},
): unknown {
  const node = options.node ?? 'node-1';
  return {
    Node: { ID: 'a1b2', Node: node, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: null, Meta: {} },
    Service: {
      ID: id,
      Service: service,
      Tags: [],
      Address: options.address ?? '127.0.0.1',
      Meta: null,
      Port: options.port ?? 8080,
      Weights: { Passing: 1, Warning: 1 },
    },
    Checks: [
      { Node: node, CheckID: 'serfHealth', Status: 'passing', ServiceID: '' },
      { Node: node, CheckID: `service:${id}`, Status: options.status ?? 'passing', ServiceID: id },
    ],
  };
}
