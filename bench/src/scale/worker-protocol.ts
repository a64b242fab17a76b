/** Messages between the benchmark and its client worker processes (over the fork IPC channel). */
import type { Protocol } from './sim-client';

export interface StartMessage {
  kind: 'start';
  target: string;
  protocol: Protocol;
  /** Node ids are `${nodePrefix}-${index}${nodeSuffix}` for index in [firstIndex, firstIndex + count). */
  nodePrefix: string;
  nodeSuffix: string;
  firstIndex: number;
  count: number;
  /** node.cluster of client i is nodeServices[i % length]: each client is a sidecar of one of these. */
  nodeServices: string[];
  envoyVersion: [number, number, number];
  /** Clients connecting at once; the rest wait for one to finish its first sync. */
  connectConcurrency: number;
}

export interface ExpectMessage {
  kind: 'expect';
  id: number;
  typeUrl: string;
  name: string;
  markerBase64?: string;
}

export interface CollectMessage {
  kind: 'collect';
  id: number;
}

/**
 * From now on, a client whose stream breaks opens a new one, with Envoy's backoff (full jitter
 * over 500 ms doubling up to 30 s), and reports when it has its whole config again.
 */
export interface StormMessage {
  kind: 'storm';
  id: number;
}

export interface StopMessage {
  kind: 'stop';
}

export type ToWorker = StartMessage | ExpectMessage | CollectMessage | StormMessage | StopMessage;

export interface SyncedMessage {
  kind: 'synced';
  count: number;
  /** Resources the first client holds by type URL, to check the subscription size. */
  held: Record<string, number>;
}

export interface ProgressMessage {
  kind: 'progress';
  synced: number;
}

export interface ExpectingMessage {
  kind: 'expecting';
  id: number;
}

/** Every client of the worker has seen the expected resource. */
export interface SeenMessage {
  kind: 'seen';
  id: number;
  /** Monotonic ms at which each client received the response (sorted ascending). */
  receivedMs: number[];
  /** Monotonic ms at which each client had written its ACK (sorted ascending). */
  ackedMs: number[];
}

export interface CollectedMessage {
  kind: 'collected';
  id: number;
  /** Since the matching `expect`: response messages and their bytes, over all clients. */
  messages: number;
  bytes: number;
}

export interface StormingMessage {
  kind: 'storming';
  id: number;
}

/** Every client of the worker lost its stream and has resynced on a new one. */
export interface ResyncedMessage {
  kind: 'resynced';
  id: number;
  /** Monotonic ms at which each client had its whole config again (sorted ascending). */
  syncedMs: number[];
  /** Streams opened again, over all clients (each failed attempt counts). */
  reopens: number;
  /** Clients whose first CDS response on a new stream held no cluster. */
  emptyFirstClusters: number;
}

export interface ErrorMessage {
  kind: 'error';
  message: string;
}

export type FromWorker = SyncedMessage | ProgressMessage | ExpectingMessage | SeenMessage | CollectedMessage | StormingMessage | ResyncedMessage | ErrorMessage;
