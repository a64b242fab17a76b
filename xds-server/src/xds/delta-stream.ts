import type { ErrorDetail, NackRecord, NodeView, Resource } from './resource';
import { PUSH_ORDER, TypeUrl, isFullStateType } from './type-url';
import { compareNames, contentVersion } from './version-hash';

/** One DeltaDiscoveryRequest, reduced to what the state machine reads. */
export interface DeltaRequest {
  readonly typeUrl: TypeUrl;
  readonly subscribe: readonly string[];
  readonly unsubscribe: readonly string[];
  /** Only read on the first request of a type (a reconnect): name -> version the client already holds. */
  readonly initialVersions: Readonly<Record<string, string>>;
  readonly responseNonce: string;
  readonly errorDetail?: ErrorDetail;
}

/** One DeltaDiscoveryResponse to send. `resources` and `removed` are sorted and never share a name. */
export interface DeltaResponse {
  readonly typeUrl: TypeUrl;
  /** Informational only: a content hash of everything this type should hold once the response is applied. */
  readonly systemVersionInfo: string;
  readonly nonce: string;
  readonly resources: readonly Resource[];
  readonly removed: readonly string[];
}

export interface DeltaOutcome {
  /** Responses to enqueue, in push order. */
  readonly responses: readonly DeltaResponse[];
  /** Set when the request ACKed one of our recent responses: that response's system_version_info. */
  readonly ackedVersion?: string;
  readonly nack?: NackRecord;
}

export interface DeltaStreamOptions {
  /** A nonce unique on this stream; a counter is enough. */
  newNonce(): string;
  now?(): Date;
}

export interface DeltaSubscription {
  readonly typeUrl: TypeUrl;
  readonly wildcard: boolean;
  /** Explicitly subscribed names, sorted (without `*`). */
  readonly resourceNames: readonly string[];
  readonly ackedVersion: string | undefined;
  readonly lastNack: NackRecord | undefined;
  /** Nonce of the latest response when the client has not answered it yet. */
  readonly awaitingNonce: string | undefined;
}

const WILDCARD = '*';
/** How many responses per type an ACK or NACK can still be matched to, for records only. */
const RECENT_RESPONSES = 16;

interface PendingResponse {
  readonly nonce: string;
  readonly resources: ReadonlyMap<string, string>;
  readonly removed: ReadonlySet<string>;
}

interface ResponseSummary {
  readonly version: string;
  readonly names: readonly string[];
}

interface TypeState {
  readonly typeUrl: TypeUrl;
  readonly fullState: boolean;
  wildcard: boolean;
  readonly names: Set<string>;
  /** name -> version the client holds, as of its answer to our latest response (or its initial versions). */
  readonly client: Map<string, string>;
  /** Names the next response must carry, in `resources` if they exist or in `removed` if not. */
  readonly forced: Set<string>;
  /** A subscribe is waiting for its answer, even an empty one. */
  replyDue: boolean;
  /** The latest response, until the client answers it. */
  pending: PendingResponse | undefined;
  latestNonce: string | undefined;
  readonly recent: Map<string, ResponseSummary>;
  ackedVersion: string | undefined;
  lastNack: NackRecord | undefined;
}

/**
 * One incremental (delta) ADS stream. Pure, like SotwStream. Unlike SotW, nonces never gate requests:
 * subscription changes are honoured whatever nonce they carry (DESIGN 3.3), and the nonce only ties
 * an ACK or NACK to a response.
 *
 * Each response also carries whatever the unanswered previous response of its type carried, because
 * the outbound queue may have replaced that one before it was written.
 */
export class DeltaStream {
  private readonly types = new Map<TypeUrl, TypeState>();

  constructor(private readonly options: DeltaStreamOptions) {}

  handleRequest(request: DeltaRequest, view: NodeView): DeltaOutcome {
    let state = this.types.get(request.typeUrl);
    const first = state === undefined;
    if (state === undefined) {
      state = newTypeState(request.typeUrl);
      this.types.set(request.typeUrl, state);
    }
    const answer = this.correlate(state, request);
    if (first) open(state, request);
    else update(state, request, view);
    return { responses: this.respond(view), ...answer };
  }

  /** The node's resources changed: the responses needed to bring this client up to date, in push order. */
  handleViewChange(view: NodeView): DeltaResponse[] {
    return this.respond(view);
  }

  /** False once a newer response of the same type exists, or a resource in it is no longer subscribed. */
  stillCurrent(response: DeltaResponse): boolean {
    const state = this.types.get(response.typeUrl);
    if (state === undefined || state.latestNonce !== response.nonce) return false;
    return response.resources.every((r) => interested(state, r.name));
  }

  ackedVersion(typeUrl: TypeUrl): string | undefined {
    return this.types.get(typeUrl)?.ackedVersion;
  }

  lastNack(typeUrl: TypeUrl): NackRecord | undefined {
    return this.types.get(typeUrl)?.lastNack;
  }

  subscriptions(): DeltaSubscription[] {
    return PUSH_ORDER.flatMap((typeUrl) => {
      const state = this.types.get(typeUrl);
      if (state === undefined) return [];
      return [
        {
          typeUrl,
          wildcard: state.wildcard,
          resourceNames: [...state.names].sort(compareNames),
          ackedVersion: state.ackedVersion,
          lastNack: state.lastNack,
          awaitingNonce: state.pending?.nonce,
        },
      ];
    });
  }

  /** Ties an ACK or NACK to the response it answers. */
  private correlate(state: TypeState, request: DeltaRequest): { ackedVersion?: string; nack?: NackRecord } {
    const nonce = request.responseNonce;
    if (nonce === '') {
      return request.errorDetail === undefined ? {} : { nack: this.recordNack(state, '', [], request.errorDetail) };
    }
    // Answers to older responses change nothing: the latest one repeats whatever they carried.
    if (state.pending?.nonce === nonce) resolve(state, state.pending);
    const summary = state.recent.get(nonce);
    state.recent.delete(nonce);
    if (request.errorDetail !== undefined) {
      // An unknown nonce (too old, or from an earlier stream) still reports a real error, so keep it.
      return { nack: this.recordNack(state, summary?.version ?? '', [...(summary?.names ?? [])], request.errorDetail) };
    }
    if (summary === undefined) return {};
    state.ackedVersion = summary.version;
    return { ackedVersion: summary.version };
  }

  private respond(view: NodeView): DeltaResponse[] {
    const responses: DeltaResponse[] = [];
    // CDS is built before EDS so that it can force the CLAs of changed clusters.
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (state === undefined) continue;
      const response = this.build(state, view);
      if (response !== undefined) responses.push(response);
    }
    return responses;
  }

  private build(state: TypeState, view: NodeView): DeltaResponse | undefined {
    const desired = desiredResources(state, view);
    const desiredNames = new Set(desired.map((r) => r.name));
    const pending = state.pending;
    const touchedByPending = (name: string): boolean => pending !== undefined && (pending.resources.has(name) || pending.removed.has(name));
    // What the client will hold once the pending response has arrived.
    const heldVersion = (name: string): string | undefined => {
      if (pending?.resources.has(name)) return pending.resources.get(name);
      if (pending?.removed.has(name)) return undefined;
      return state.client.get(name);
    };

    let needed = state.replyDue || (pending !== undefined && [...pending.resources.keys()].some((name) => !interested(state, name)));
    const resources: Resource[] = [];
    const changed: string[] = [];
    for (const resource of desired) {
      const isChange = heldVersion(resource.name) !== resource.version;
      const must = isChange || state.forced.has(resource.name);
      if (isChange) changed.push(resource.name);
      needed ||= must;
      if (must || state.client.get(resource.name) !== resource.version || touchedByPending(resource.name)) resources.push(resource);
    }

    const candidates = new Set([...state.client.keys(), ...state.forced, ...(pending?.resources.keys() ?? []), ...(pending?.removed ?? [])]);
    const removed: string[] = [];
    for (const name of candidates) {
      if (desiredNames.has(name) || !interested(state, name)) continue;
      // Only names the client holds, plus explicit subscriptions to names that do not exist: the
      // spec's fast "does not exist" signal, which spares the client its 15 s timeout.
      const must = heldVersion(name) !== undefined || state.forced.has(name);
      needed ||= must;
      if (must || state.client.has(name) || touchedByPending(name)) removed.push(name);
    }

    if (!needed) return undefined;
    if (resources.length === 0 && removed.length === 0 && !state.replyDue) {
      // The pending response only held names since unsubscribed; the queue drops it, and nothing replaces it.
      state.pending = undefined;
      return undefined;
    }

    if (state.typeUrl === TypeUrl.Cluster) this.forceEndpoints(changed);

    const nonce = this.options.newNonce();
    const systemVersionInfo = contentVersion(desired);
    removed.sort(compareNames);
    state.pending = { nonce, resources: new Map(resources.map((r) => [r.name, r.version])), removed: new Set(removed) };
    state.latestNonce = nonce;
    state.forced.clear();
    state.replyDue = false;
    state.recent.set(nonce, { version: systemVersionInfo, names: resources.map((r) => r.name) });
    if (state.recent.size > RECENT_RESPONSES) {
      const oldest = state.recent.keys().next();
      if (oldest.done !== true) state.recent.delete(oldest.value);
    }
    return { typeUrl: state.typeUrl, systemVersionInfo, nonce, resources, removed };
  }

  private forceEndpoints(clusterNames: readonly string[]): void {
    const endpoints = this.types.get(TypeUrl.Endpoint);
    if (endpoints === undefined) return;
    // DESIGN 3.5: a changed cluster stays warming in Envoy until its CLA arrives again.
    for (const name of clusterNames) if (interested(endpoints, name)) endpoints.forced.add(name);
  }

  private recordNack(state: TypeState, rejectedVersion: string, resourceNames: string[], error: ErrorDetail): NackRecord {
    const record: NackRecord = {
      typeUrl: state.typeUrl,
      rejectedVersion,
      resourceNames: resourceNames.sort(compareNames),
      error: { code: error.code, message: error.message },
      at: this.options.now?.() ?? new Date(),
    };
    state.lastNack = record;
    return record;
  }
}

function newTypeState(typeUrl: TypeUrl): TypeState {
  return {
    typeUrl,
    fullState: isFullStateType(typeUrl),
    wildcard: false,
    names: new Set(),
    client: new Map(),
    forced: new Set(),
    replyDue: false,
    pending: undefined,
    latestNonce: undefined,
    recent: new Map(),
    ackedVersion: undefined,
    lastNack: undefined,
  };
}

function interested(state: TypeState, name: string): boolean {
  return state.wildcard || state.names.has(name);
}

/** First request of a type on this stream: subscriptions, legacy wildcard, and what the client already holds. */
function open(state: TypeState, request: DeltaRequest): void {
  // Legacy wildcard: CDS/LDS opened with nothing to subscribe or unsubscribe.
  state.wildcard = state.fullState && request.subscribe.length === 0 && request.unsubscribe.length === 0;
  const unsubscribed = new Set(request.unsubscribe);
  for (const name of request.subscribe) {
    if (unsubscribed.has(name)) continue;
    if (name === WILDCARD) state.wildcard ||= state.fullState;
    else state.names.add(name);
  }
  for (const [name, version] of Object.entries(request.initialVersions)) {
    if (interested(state, name)) state.client.set(name, version);
  }
  // Names the client already holds at the current version are not resent; it still gets an answer.
  for (const name of state.names) if (!Object.hasOwn(request.initialVersions, name)) state.forced.add(name);
  state.replyDue = state.wildcard || state.names.size > 0;
}

function update(state: TypeState, request: DeltaRequest, view: NodeView): void {
  // Unsubscribe first, so that a name in both lists ends up subscribed: the safer reading.
  for (const name of request.unsubscribe) {
    if (name === WILDCARD) {
      if (state.fullState) state.wildcard = false;
    } else if (state.names.delete(name) && state.wildcard) {
      // Still held through the wildcard, but the client cannot tell: the spec wants it in resources or removed.
      state.forced.add(name);
    }
  }
  for (const name of request.subscribe) {
    if (name === WILDCARD) {
      if (!state.fullState) continue;
      state.wildcard = true;
      // The client may have forgotten anything, so resend it all.
      for (const known of view.resources(state.typeUrl).keys()) state.forced.add(known);
    } else {
      state.names.add(name);
      // Even if the client had it: it may have dropped it, and it expects an answer.
      state.forced.add(name);
    }
    state.replyDue = true;
  }
  for (const name of [...state.client.keys()]) if (!interested(state, name)) state.client.delete(name);
  for (const name of [...state.forced]) if (!interested(state, name)) state.forced.delete(name);
}

/** The client has answered `pending` (ACK or NACK): what it carried is now what the client holds. */
function resolve(state: TypeState, pending: PendingResponse): void {
  // A NACKed resource counts as held too, so it is not resent until its content changes.
  for (const [name, version] of pending.resources) if (interested(state, name)) state.client.set(name, version);
  for (const name of pending.removed) state.client.delete(name);
  state.pending = undefined;
}

function desiredResources(state: TypeState, view: NodeView): Resource[] {
  const picked: Resource[] = [];
  if (state.wildcard) {
    picked.push(...view.resources(state.typeUrl).values());
  } else {
    for (const name of state.names) {
      const resource = view.resource(state.typeUrl, name);
      if (resource !== undefined) picked.push(resource);
    }
  }
  return picked.sort((a, b) => compareNames(a.name, b.name));
}
