/**
 * A child process holding a share of the simulated ADS clients, so that the clients run
 * outside the control plane's process and can use more than one core between them.
 */
import { monotonicMs, SimClient } from './sim-client';
import { TYPE } from './xds-messages';
import type { ExpectMessage, FromWorker, StartMessage, ToWorker } from './worker-protocol';

/** Envoy's gRPC stream backoff: a random wait below 500 ms × 2^attempt, at most 30 s. */
const backoffMs = (attempt: number) => Math.random() * Math.min(30_000, 500 * 2 ** attempt);

function send(message: FromWorker): void {
  process.send?.(message);
}

class Worker {
  private readonly clients: SimClient[] = [];
  private syncedCount = 0;
  private next = 0;
  private reportedSynced = false;
  private current: { id: number; received: number[]; acked: number[] } | undefined;
  private storm: { id: number; lost: Set<SimClient>; syncedMs: number[]; attempts: Map<SimClient, number>; reopens: number } | undefined;

  constructor(private readonly start: StartMessage) {
    for (let i = 0; i < Math.min(start.connectConcurrency, start.count); i++) this.connectNext();
  }

  private connectNext(): void {
    if (this.next >= this.start.count) return;
    const index = this.start.firstIndex + this.next;
    this.next += 1;
    const services = this.start.nodeServices;
    this.clients.push(
      new SimClient({
        target: this.start.target,
        protocol: this.start.protocol,
        node: { id: `${this.start.nodePrefix}-${index}${this.start.nodeSuffix}`, cluster: services[index % services.length] as string, envoyVersion: this.start.envoyVersion },
        onSynced: (client) => (this.storm ? this.onResynced(client) : this.onSynced()),
        onSeen: (_client, at) => this.onSeen(at),
        onError: (client, error) => (this.storm ? this.reconnect(client) : send({ kind: 'error', message: `${client.id}: ${error.message}` })),
      }),
    );
  }

  private onSynced(): void {
    this.syncedCount += 1;
    if (this.syncedCount % 250 === 0) send({ kind: 'progress', synced: this.syncedCount });
    this.connectNext();
    if (this.syncedCount === this.start.count && !this.reportedSynced) {
      this.reportedSynced = true;
      const first = this.clients[0] as SimClient;
      const held = Object.fromEntries(Object.entries(TYPE).map(([short, typeUrl]) => [short, first.held(typeUrl)]));
      send({ kind: 'synced', count: this.syncedCount, held });
    }
  }

  expect(message: ExpectMessage): void {
    this.current = { id: message.id, received: [], acked: [] };
    const marker = message.markerBase64 === undefined ? undefined : Buffer.from(message.markerBase64, 'base64');
    for (const client of this.clients) {
      client.counters.bytes = 0;
      client.counters.messages = 0;
      client.expect({ typeUrl: message.typeUrl, name: message.name, marker });
    }
    send({ kind: 'expecting', id: message.id });
  }

  private onSeen(at: { receivedMs: number; ackedMs: number }): void {
    const current = this.current;
    if (!current) return;
    current.received.push(at.receivedMs);
    current.acked.push(at.ackedMs);
    if (current.received.length === this.clients.length) {
      send({ kind: 'seen', id: current.id, receivedMs: current.received.sort((a, b) => a - b), ackedMs: current.acked.sort((a, b) => a - b) });
      this.current = undefined;
    }
  }

  startStorm(id: number): void {
    this.storm = { id, lost: new Set(), syncedMs: [], attempts: new Map(), reopens: 0 };
    send({ kind: 'storming', id });
  }

  private reconnect(client: SimClient): void {
    const storm = this.storm as NonNullable<Worker['storm']>;
    storm.lost.add(client);
    const attempt = storm.attempts.get(client) ?? 0;
    storm.attempts.set(client, attempt + 1);
    setTimeout(() => {
      storm.reopens += 1;
      client.open();
    }, backoffMs(attempt));
  }

  private onResynced(client: SimClient): void {
    const storm = this.storm as NonNullable<Worker['storm']>;
    if (!storm.lost.has(client)) return;
    storm.syncedMs.push(monotonicMs());
    storm.attempts.delete(client);
    if (storm.syncedMs.length < this.clients.length) return;
    const emptyFirstClusters = this.clients.reduce((n, c) => n + c.emptyFirstClusters, 0);
    send({ kind: 'resynced', id: storm.id, syncedMs: storm.syncedMs.sort((a, b) => a - b), reopens: storm.reopens, emptyFirstClusters });
    this.storm = undefined;
  }

  collect(id: number): void {
    let messages = 0;
    let bytes = 0;
    for (const client of this.clients) {
      messages += client.counters.messages;
      bytes += client.counters.bytes;
    }
    send({ kind: 'collected', id, messages, bytes });
  }

  stop(): void {
    for (const client of this.clients) client.close();
  }
}

let worker: Worker | undefined;

process.on('message', (message: ToWorker) => {
  switch (message.kind) {
    case 'start':
      worker = new Worker(message);
      break;
    case 'expect':
      worker?.expect(message);
      break;
    case 'collect':
      worker?.collect(message.id);
      break;
    case 'storm':
      worker?.startStorm(message.id);
      break;
    case 'stop':
      worker?.stop();
      process.disconnect?.();
      setImmediate(() => process.exit(0));
      break;
  }
});

process.on('disconnect', () => {
  worker?.stop();
  process.exit(0);
});
