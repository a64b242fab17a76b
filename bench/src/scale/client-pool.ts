import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Protocol } from './sim-client';
import type { CollectedMessage, FromWorker, StartMessage, ToWorker } from './worker-protocol';

export class ClientPoolError extends Error {
  override readonly name = 'ClientPoolError';
}

export interface ClientPoolOptions {
  target: string;
  protocol: Protocol;
  clients: number;
  workers: number;
  nodePrefix: string;
  nodeSuffix?: string;
  nodeServices: string[];
  envoyVersion: [number, number, number];
  connectConcurrency: number;
  /** Longest the whole pool may take to connect and finish its first sync. */
  syncTimeoutMs: number;
  onProgress?: (synced: number) => void;
}

export interface ChangeArrival {
  /** Monotonic ms per client, sorted: when its response arrived and when its ACK was written. */
  receivedMs: number[];
  ackedMs: number[];
}

export interface StormOutcome {
  /** Monotonic ms per client, sorted: when it had its whole config again. */
  syncedMs: number[];
  reopens: number;
  emptyFirstClusters: number;
}

/** The simulated clients, spread over worker processes, driven as one. */
export class ClientPool {
  private readonly workers: ChildProcess[] = [];
  private readonly listeners = new Set<(worker: number, message: FromWorker) => void>();
  private failure: Error | undefined;
  private nextId = 0;
  held: Record<string, number> = {};

  private constructor(private readonly options: ClientPoolOptions) {}

  /** Forks the workers and resolves once every client has finished its initial sync. */
  static async connect(options: ClientPoolOptions): Promise<{ pool: ClientPool; syncMs: number }> {
    const pool = new ClientPool(options);
    const started = performance.now();
    await pool.start();
    return { pool, syncMs: performance.now() - started };
  }

  private async start(): Promise<void> {
    const { clients, workers } = this.options;
    const share = Math.ceil(clients / workers);
    const synced = new Array<number>(workers).fill(0);
    const done = this.collectFromAll('synced', this.options.syncTimeoutMs, (worker, message) => {
      if (message.kind === 'progress') {
        synced[worker] = message.synced;
        this.options.onProgress?.(synced.reduce((s, v) => s + v, 0));
      }
      if (message.kind === 'synced') this.held = message.held;
    });
    for (let w = 0; w < workers; w++) {
      const count = Math.min(share, clients - w * share);
      // One V8 heap per worker holds a few thousand channels; the default limit is enough.
      const child = fork(join(__dirname, 'client-worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const index = w;
      child.on('message', (message: FromWorker) => {
        if (message.kind === 'error') this.failure ??= new ClientPoolError(`client worker ${index}: ${message.message}`);
        for (const listener of this.listeners) listener(index, message);
      });
      child.on('exit', (code, signal) => {
        if (code !== 0) this.failure ??= new ClientPoolError(`client worker ${index} exited (${code ?? signal})`);
      });
      this.workers.push(child);
      const start: StartMessage = {
        kind: 'start',
        target: this.options.target,
        protocol: this.options.protocol,
        nodePrefix: this.options.nodePrefix,
        nodeSuffix: this.options.nodeSuffix ?? '',
        firstIndex: w * share,
        count,
        nodeServices: this.options.nodeServices,
        envoyVersion: this.options.envoyVersion,
        connectConcurrency: Math.max(1, Math.ceil(this.options.connectConcurrency / workers)),
      };
      child.send(start);
    }
    await done;
  }

  get pids(): number[] {
    return this.workers.map((w) => w.pid ?? -1);
  }

  /** Waits for one message of `kind` from every worker, failing on a worker error or after `timeoutMs`. */
  private collectFromAll<K extends FromWorker['kind']>(
    kind: K,
    timeoutMs: number,
    observe?: (worker: number, message: FromWorker) => void,
    filter: (message: Extract<FromWorker, { kind: K }>) => boolean = () => true,
  ): Promise<Array<Extract<FromWorker, { kind: K }>>> {
    const expected = this.options.workers;
    return new Promise((resolve, reject) => {
      const got = new Map<number, Extract<FromWorker, { kind: K }>>();
      const finish = (error?: Error) => {
        clearTimeout(timer);
        clearInterval(poll);
        this.listeners.delete(listener);
        if (error) reject(error);
        else resolve([...got.values()]);
      };
      const listener = (worker: number, message: FromWorker) => {
        observe?.(worker, message);
        if (message.kind === kind && filter(message as Extract<FromWorker, { kind: K }>)) {
          got.set(worker, message as Extract<FromWorker, { kind: K }>);
          if (got.size === expected) finish();
        }
      };
      const timer = setTimeout(
        () => finish(new ClientPoolError(`waited ${timeoutMs} ms for "${kind}" from ${expected} client workers; ${got.size} answered`)),
        timeoutMs,
      );
      // A worker that failed will never answer.
      const poll = setInterval(() => this.failure && finish(this.failure), 50);
      this.listeners.add(listener);
    });
  }

  private broadcast(message: ToWorker): void {
    for (const worker of this.workers) worker.send(message);
  }

  /**
   * Arms every client to time the next response carrying `name` of `typeUrl`, and resolves
   * once all are armed; `arrival` settles when every client has seen it, or after `timeoutMs`.
   */
  async expect(typeUrl: string, name: string, timeoutMs: number, marker?: Buffer): Promise<{ id: number; arrival: Promise<ChangeArrival> }> {
    const id = ++this.nextId;
    // Listen for "seen" before arming, so that a fast change cannot slip past.
    const seen = this.collectFromAll('seen', timeoutMs, undefined, (m) => m.id === id);
    seen.catch(() => undefined);
    const armed = this.collectFromAll('expecting', 10_000, undefined, (m) => m.id === id);
    this.broadcast({ kind: 'expect', id, typeUrl, name, markerBase64: marker?.toString('base64') });
    await armed;
    const arrival = seen.then((all) => ({
      receivedMs: all.flatMap((s) => s.receivedMs).sort((a, b) => a - b),
      ackedMs: all.flatMap((s) => s.ackedMs).sort((a, b) => a - b),
    }));
    return { id, arrival };
  }

  /** Response messages and bytes all clients received since the expectation `id` was armed. */
  async traffic(id: number): Promise<{ messages: number; bytes: number }> {
    const answers = this.collectFromAll('collected', 10_000, undefined, (m: CollectedMessage) => m.id === id);
    this.broadcast({ kind: 'collect', id });
    const all = await answers;
    return { messages: all.reduce((s, a) => s + a.messages, 0), bytes: all.reduce((s, a) => s + a.bytes, 0) };
  }

  /**
   * Arms every client to open a new stream when its breaks (with Envoy's backoff) and resolves
   * once all are armed; `resynced` settles when every client has its whole config again.
   */
  async storm(timeoutMs: number): Promise<{ resynced: Promise<StormOutcome> }> {
    const id = ++this.nextId;
    const done = this.collectFromAll('resynced', timeoutMs, undefined, (m) => m.id === id);
    done.catch(() => undefined);
    const armed = this.collectFromAll('storming', 10_000, undefined, (m) => m.id === id);
    this.broadcast({ kind: 'storm', id });
    await armed;
    const resynced = done.then((all) => ({
      syncedMs: all.flatMap((r) => r.syncedMs).sort((a, b) => a - b),
      reopens: all.reduce((n, r) => n + r.reopens, 0),
      emptyFirstClusters: all.reduce((n, r) => n + r.emptyFirstClusters, 0),
    }));
    return { resynced };
  }

  async close(): Promise<void> {
    const exits = this.workers.map((w) => (w.exitCode !== null || w.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => w.once('exit', () => r()))));
    for (const worker of this.workers) {
      if (worker.connected) worker.send({ kind: 'stop' } satisfies ToWorker);
    }
    const timer = setTimeout(() => this.workers.forEach((w) => w.kill('SIGKILL')), 5000);
    await Promise.all(exits);
    clearTimeout(timer);
  }
}
