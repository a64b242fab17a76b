import { Client, credentials, type ClientDuplexStream } from '@grpc/grpc-js';
import {
  decodeDeltaResponse,
  decodeSotwResponse,
  edsNameOfCluster,
  encodeDeltaRequest,
  encodeSotwRequest,
  routeNameOfScope,
  routesOfListener,
  TYPE,
  type DecodedResponse,
  type NodeInfo,
} from './xds-messages';

export type Protocol = 'sotw' | 'delta';

const METHOD: Record<Protocol, string> = {
  sotw: '/envoy.service.discovery.v3.AggregatedDiscoveryService/StreamAggregatedResources',
  delta: '/envoy.service.discovery.v3.AggregatedDiscoveryService/DeltaAggregatedResources',
};

/** Monotonic milliseconds, comparable across processes on one machine (CLOCK_MONOTONIC). */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What a client watches for after `expect`: the first response that carries the named resource. */
export interface Expectation {
  typeUrl: string;
  /** The resource's name, or its prefix followed by a dot (Consul appends `.default.<dc>...`). */
  name: string;
  /** Only a copy of the resource whose bytes contain this counts (a DSL reload's marker). */
  marker?: Buffer;
}

export interface ClientCounters {
  messages: number;
  bytes: number;
}

interface TypeState {
  /** Names this client asks for; undefined means wildcard. */
  subscribed: Set<string> | undefined;
  /** name -> version (Delta) or '' (SotW) of what the client holds. */
  held: Map<string, string>;
  answered: boolean;
  /** SotW: the latest response's nonce and version, which every request of the type must carry. */
  nonce: string | undefined;
  version: string | undefined;
}

export interface SimClientOptions {
  target: string;
  protocol: Protocol;
  node: NodeInfo;
  onSynced: (client: SimClient) => void;
  onSeen: (client: SimClient, at: { receivedMs: number; ackedMs: number }) => void;
  onError: (client: SimClient, error: Error) => void;
}

/**
 * One simulated sidecar on one ADS stream, behaving like Envoy as far as the server can tell:
 * wildcard CDS and LDS, EDS for every EDS cluster it is sent, wildcard SRDS once a listener
 * uses scoped routes, RDS for every route configuration its listeners and scopes name, and
 * an ACK for every response. Resources are never
 * decoded beyond what that takes.
 */
export class SimClient {
  private readonly client: Client;
  private call!: ClientDuplexStream<Buffer, Buffer>;
  private readonly types = new Map<string, TypeState>();
  private synced = false;
  private expectation: Expectation | undefined;
  private closed = false;
  /** Since the stream was last opened: no CDS response yet. */
  private awaitingFirstClusters = true;
  readonly counters: ClientCounters = { messages: 0, bytes: 0 };
  /** First CDS responses, after an open, that held no cluster: an empty config. */
  emptyFirstClusters = 0;

  constructor(private readonly options: SimClientOptions) {
    // A connection per client, as each Envoy has its own.
    this.client = new Client(options.target, credentials.createInsecure(), {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      // Envoy's backoff for a broken xDS connection: from 500 ms, doubling, up to 30 s.
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 30_000,
    });
    this.open();
  }

  /**
   * A new stream on the same connection, starting from nothing, as Envoy's after its stream
   * broke (Envoy keeps its config, but asks again for all of it).
   */
  open(): void {
    const call = this.client.makeBidiStreamRequest(
      METHOD[this.options.protocol],
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    this.call = call;
    let ended = false;
    const end = (error: Error) => {
      if (ended || this.closed || this.call !== call) return;
      ended = true;
      this.options.onError(this, error);
    };
    call.on('data', (buf: Buffer) => this.call === call && this.onResponse(buf));
    call.on('error', end);
    call.on('end', () => end(new Error(`${this.options.node.id}: server ended the stream`)));
    this.types.clear();
    this.edsNames.clear();
    this.listenerRoutes.clear();
    this.scopeRoutes.clear();
    this.synced = false;
    this.awaitingFirstClusters = true;
    for (const typeUrl of [TYPE.cluster, TYPE.listener]) this.types.set(typeUrl, wildcardState());
    this.send(TYPE.cluster, { first: true });
    this.send(TYPE.listener, {});
  }

  get id(): string {
    return this.options.node.id;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** How many resources of a type this client holds. */
  held(typeUrl: string): number {
    return this.types.get(typeUrl)?.held.size ?? 0;
  }

  expect(expectation: Expectation | undefined): void {
    this.expectation = expectation;
  }

  close(): void {
    this.closed = true;
    this.call.cancel();
    this.client.close();
  }

  private send(typeUrl: string, extra: { first?: boolean; response?: DecodedResponse }): void {
    const state = this.types.get(typeUrl) as TypeState;
    const node = extra.first ? this.options.node : undefined;
    if (this.options.protocol === 'sotw') {
      if (extra.response) {
        state.nonce = extra.response.nonce;
        state.version = extra.response.versionInfo;
      }
      this.call.write(
        encodeSotwRequest({ node, typeUrl, versionInfo: state.version, responseNonce: state.nonce, resourceNames: state.subscribed ?? [] }),
      );
    } else {
      this.call.write(encodeDeltaRequest({ node, typeUrl, responseNonce: extra.response?.nonce }));
    }
  }

  /** A Delta subscription change, sent on its own as Envoy does. */
  private sendDeltaSubscription(typeUrl: string, subscribe: readonly string[], unsubscribe: readonly string[]): void {
    this.call.write(encodeDeltaRequest({ typeUrl, subscribe, unsubscribe }));
  }

  private onResponse(buf: Buffer): void {
    const receivedMs = monotonicMs();
    this.counters.messages += 1;
    this.counters.bytes += buf.length;
    const response = this.options.protocol === 'sotw' ? decodeSotwResponse(buf) : decodeDeltaResponse(buf);
    const state = this.types.get(response.typeUrl);
    if (state === undefined) return;
    if (response.typeUrl === TYPE.cluster && this.awaitingFirstClusters) {
      this.awaitingFirstClusters = false;
      if (response.resources.length === 0) this.emptyFirstClusters += 1;
    }
    this.apply(state, response);
    state.answered = true;
    this.send(response.typeUrl, { response });
    const ackedMs = monotonicMs();
    if (this.expectation && this.matches(response, this.expectation)) {
      this.expectation = undefined;
      this.options.onSeen(this, { receivedMs, ackedMs });
    }
    if (response.typeUrl === TYPE.cluster) {
      this.resubscribe(TYPE.endpoint, new Set([...this.edsNames.values()].filter((n): n is string => n !== undefined)));
    } else if (response.typeUrl === TYPE.listener) {
      if ([...this.listenerRoutes.values()].some((r) => r.scoped) && !this.types.has(TYPE.scopedRoute)) {
        this.types.set(TYPE.scopedRoute, wildcardState());
        this.send(TYPE.scopedRoute, {});
      }
      this.resubscribe(TYPE.route, this.routeNames());
    } else if (response.typeUrl === TYPE.scopedRoute) {
      this.resubscribe(TYPE.route, this.routeNames());
    }
    if (!this.synced && this.complete()) {
      this.synced = true;
      this.options.onSynced(this);
    }
  }

  /** What the subscriptions derive from: each cluster's EDS name, each listener's routes, each scope's route configuration. */
  private readonly edsNames = new Map<string, string | undefined>();
  private readonly listenerRoutes = new Map<string, { rdsNames: Set<string>; scoped: boolean }>();
  private readonly scopeRoutes = new Map<string, string | undefined>();

  private routeNames(): Set<string> {
    const names = new Set([...this.listenerRoutes.values()].flatMap((r) => [...r.rdsNames]));
    for (const name of this.scopeRoutes.values()) if (name !== undefined) names.add(name);
    return names;
  }

  private apply(state: TypeState, response: DecodedResponse): void {
    const derived: Map<string, unknown> | undefined =
      response.typeUrl === TYPE.cluster
        ? this.edsNames
        : response.typeUrl === TYPE.listener
          ? this.listenerRoutes
          : response.typeUrl === TYPE.scopedRoute
            ? this.scopeRoutes
            : undefined;
    if (this.options.protocol === 'sotw' && derived !== undefined) {
      // CDS, LDS and SRDS are full state in SotW: what a response leaves out is gone.
      state.held.clear();
      derived.clear();
    }
    for (const r of response.resources) {
      state.held.set(r.name, r.version);
      if (response.typeUrl === TYPE.cluster) this.edsNames.set(r.name, edsNameOfCluster(r.value));
      else if (response.typeUrl === TYPE.listener) {
        const routes = { rdsNames: new Set<string>(), scoped: false };
        routesOfListener(r.value, routes);
        this.listenerRoutes.set(r.name, routes);
      } else if (response.typeUrl === TYPE.scopedRoute) this.scopeRoutes.set(r.name, routeNameOfScope(r.value));
    }
    for (const name of response.removed) {
      state.held.delete(name);
      derived?.delete(name);
    }
  }

  private resubscribe(typeUrl: string, names: Set<string>): void {
    let state = this.types.get(typeUrl);
    if (state === undefined) {
      if (names.size === 0) return;
      state = { subscribed: new Set(), held: new Map(), answered: false, nonce: undefined, version: undefined };
      this.types.set(typeUrl, state);
    }
    const before = state.subscribed as Set<string>;
    const added = [...names].filter((n) => !before.has(n));
    const removed = [...before].filter((n) => !names.has(n));
    if (added.length === 0 && removed.length === 0) return;
    state.subscribed = names;
    for (const name of removed) state.held.delete(name);
    if (this.options.protocol === 'sotw') this.send(typeUrl, {});
    else this.sendDeltaSubscription(typeUrl, added, removed);
  }

  /** CDS, LDS and SRDS (when used) answered, and every subscribed EDS and RDS name received. */
  private complete(): boolean {
    for (const [typeUrl, state] of this.types) {
      if (!state.answered) return false;
      if (typeUrl === TYPE.endpoint || typeUrl === TYPE.route) {
        for (const name of state.subscribed ?? []) if (!state.held.has(name)) return false;
      }
    }
    return this.types.has(TYPE.endpoint);
  }

  private matches(response: DecodedResponse, e: Expectation): boolean {
    if (response.typeUrl !== e.typeUrl) return false;
    return response.resources.some(
      (r) => (r.name === e.name || r.name.startsWith(`${e.name}.`)) && (e.marker === undefined || r.value.includes(e.marker)),
    );
  }
}

function wildcardState(): TypeState {
  return { subscribed: undefined, held: new Map(), answered: false, nonce: undefined, version: undefined };
}
