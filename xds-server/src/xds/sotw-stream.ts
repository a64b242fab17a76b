import type { ErrorDetail, NackRecord, NodeView, Resource } from './resource';
import { PUSH_ORDER, TypeUrl, isFullStateType } from './type-url';
import { compareNames, contentVersion } from './version-hash';

/** One DiscoveryRequest on a state-of-the-world ADS stream, reduced to what the state machine reads. */
export interface SotwRequest {
  readonly typeUrl: TypeUrl;
  readonly versionInfo: string;
  readonly resourceNames: readonly string[];
  readonly responseNonce: string;
  readonly errorDetail?: ErrorDetail;
}

/** One DiscoveryResponse to send. `resources` are sorted by name. */
export interface SotwResponse {
  readonly typeUrl: TypeUrl;
  readonly versionInfo: string;
  readonly nonce: string;
  readonly resources: readonly Resource[];
}

export type SotwIgnoreReason = 'stale-nonce';

export interface SotwOutcome {
  /** Responses to enqueue, in push order. Empty when nothing needs sending or the request was ignored. */
  readonly responses: readonly SotwResponse[];
  /** Set when the request ACKed the latest response: the version the client says it applied. */
  readonly ackedVersion?: string;
  /** Set when the request NACKed (error_detail present). */
  readonly nack?: NackRecord;
  /** Set when the request was ignored entirely; nothing else in the outcome is set then. */
  readonly ignored?: SotwIgnoreReason;
}

export interface SotwStreamOptions {
  /** A nonce unique on this stream; a counter is enough. */
  newNonce(): string;
  now?(): Date;
}

/** What one type looks like on this stream, for /info, /proxies and `mesh status`. */
export interface SotwSubscription {
  readonly typeUrl: TypeUrl;
  readonly wildcard: boolean;
  /** Explicitly requested names, sorted (without `*`). */
  readonly resourceNames: readonly string[];
  readonly ackedVersion: string | undefined;
  readonly lastNack: NackRecord | undefined;
  /** Nonce of the latest response when the client has not answered it yet. */
  readonly awaitingNonce: string | undefined;
}

const WILDCARD = '*';

interface SentResponse {
  readonly nonce: string;
  readonly version: string;
  /** name -> version of every resource in the response. */
  readonly resources: ReadonlyMap<string, string>;
  /** The client has echoed this nonce (ACK or NACK). */
  answered: boolean;
}

interface TypeState {
  readonly typeUrl: TypeUrl;
  readonly fullState: boolean;
  wildcard: boolean;
  /** True while every request so far had empty resource_names: the legacy wildcard still applies. */
  onlyEmptyRequests: boolean;
  names: ReadonlySet<string>;
  /** name -> version the client holds, as of its last answer to one of our responses. */
  confirmed: Map<string, string>;
  /** EDS names the next response must carry even if unchanged: the CLAs of changed clusters. */
  forced: Set<string>;
  /** Full-state types only: the next computation must produce a response even if nothing changed. */
  replyDue: boolean;
  /** The latest response produced; only its nonce is valid in requests. */
  last: SentResponse | undefined;
  ackedVersion: string | undefined;
  lastNack: NackRecord | undefined;
}

/**
 * One state-of-the-world ADS stream: which types and names the client subscribed to, what it was
 * sent, what it ACKed or NACKed, and which responses it needs next. Pure: no I/O and no timers, so
 * the gRPC layer feeds it requests and view changes and writes what it returns.
 *
 * Responses are computed against what the client has confirmed, not against the previous response:
 * the outbound queue may replace a response that was never written, so each response must also
 * carry everything the unanswered previous one carried (DESIGN 3.1).
 */
export class SotwStream {
  private readonly types = new Map<TypeUrl, TypeState>();

  constructor(private readonly options: SotwStreamOptions) {}

  handleRequest(request: SotwRequest, view: NodeView): SotwOutcome {
    let state = this.types.get(request.typeUrl);
    if (state === undefined) {
      state = newTypeState(request.typeUrl);
      this.types.set(request.typeUrl, state);
    }
    const last = state.last;
    // Before any response of this type the client cannot know a valid nonce, so any value is accepted
    // (a reconnecting client may still carry one from its previous stream).
    if (last !== undefined && request.responseNonce !== last.nonce) {
      return { responses: [], ignored: 'stale-nonce' };
    }

    let ackedVersion: string | undefined;
    let nack: NackRecord | undefined;
    if (last !== undefined && !last.answered) {
      last.answered = true;
      // A NACKed response counts as held too: resending the same content would only be rejected again.
      resolve(state, last);
      if (request.errorDetail !== undefined) {
        nack = this.recordNack(state, last.version, [...last.resources.keys()], request.errorDetail);
      } else {
        ackedVersion = request.versionInfo;
        state.ackedVersion = ackedVersion;
      }
    } else if (last === undefined && request.errorDetail !== undefined) {
      // The rejected response went out on an earlier stream, so its version is unknown here.
      nack = this.recordNack(state, '', [...request.resourceNames], request.errorDetail);
    }

    subscribe(state, request.resourceNames);
    return { responses: this.respond(view), ackedVersion, nack };
  }

  /** The node's resources changed: the responses needed to bring this client up to date, in push order. */
  handleViewChange(view: NodeView): SotwResponse[] {
    return this.respond(view);
  }

  /** False once a newer response of the same type exists, or a resource in it is no longer subscribed. */
  stillCurrent(response: SotwResponse): boolean {
    const state = this.types.get(response.typeUrl);
    if (state === undefined || state.last === undefined || state.last.nonce !== response.nonce) return false;
    return response.resources.every((r) => interested(state, r.name));
  }

  ackedVersion(typeUrl: TypeUrl): string | undefined {
    return this.types.get(typeUrl)?.ackedVersion;
  }

  lastNack(typeUrl: TypeUrl): NackRecord | undefined {
    return this.types.get(typeUrl)?.lastNack;
  }

  subscriptions(): SotwSubscription[] {
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
          awaitingNonce: state.last !== undefined && !state.last.answered ? state.last.nonce : undefined,
        },
      ];
    });
  }

  private respond(view: NodeView): SotwResponse[] {
    const responses: SotwResponse[] = [];
    // Push order matters beyond the queue: building CDS first lets it force the CLAs of changed clusters.
    for (const typeUrl of PUSH_ORDER) {
      const state = this.types.get(typeUrl);
      if (state === undefined) continue;
      const response = this.build(state, view);
      if (response !== undefined) responses.push(response);
    }
    return responses;
  }

  private build(state: TypeState, view: NodeView): SotwResponse | undefined {
    const desired = desiredResources(state, view);
    const unanswered = state.last !== undefined && !state.last.answered ? state.last : undefined;
    // What the client will hold once everything already produced has arrived.
    const heldVersion = (name: string): string | undefined => {
      if (state.fullState) return (unanswered?.resources ?? state.confirmed).get(name);
      return unanswered?.resources.get(name) ?? state.confirmed.get(name);
    };

    let resources: Resource[];
    if (state.fullState) {
      const held = unanswered?.resources ?? state.confirmed;
      const unchanged = held.size === desired.length && desired.every((r) => held.get(r.name) === r.version);
      if (unchanged && !state.replyDue) return undefined;
      resources = desired;
    } else {
      if (!desired.some((r) => state.forced.has(r.name) || heldVersion(r.name) !== r.version)) return undefined;
      resources = desired.filter(
        (r) => state.forced.has(r.name) || state.confirmed.get(r.name) !== r.version || unanswered?.resources.has(r.name) === true,
      );
    }

    if (state.typeUrl === TypeUrl.Cluster) {
      // DESIGN 3.5: a changed cluster stays warming in Envoy until its CLA arrives again.
      this.forceEndpoints(resources.filter((r) => heldVersion(r.name) !== r.version).map((r) => r.name));
    }

    const nonce = this.options.newNonce();
    const versionInfo = contentVersion(resources);
    state.last = { nonce, version: versionInfo, resources: new Map(resources.map((r) => [r.name, r.version])), answered: false };
    state.forced.clear();
    state.replyDue = false;
    return { typeUrl: state.typeUrl, versionInfo, nonce, resources };
  }

  private forceEndpoints(clusterNames: readonly string[]): void {
    const endpoints = this.types.get(TypeUrl.Endpoint);
    if (endpoints === undefined) return;
    for (const name of clusterNames) {
      if (interested(endpoints, name)) endpoints.forced.add(name);
    }
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
    onlyEmptyRequests: true,
    names: new Set(),
    confirmed: new Map(),
    forced: new Set(),
    replyDue: false,
    last: undefined,
    ackedVersion: undefined,
    lastNack: undefined,
  };
}

function interested(state: TypeState, name: string): boolean {
  return state.wildcard || state.names.has(name);
}

/** The client has received `last`: fold it into what it holds. */
function resolve(state: TypeState, last: SentResponse): void {
  if (state.fullState) state.confirmed = new Map(last.resources);
  else for (const [name, version] of last.resources) state.confirmed.set(name, version);
}

function subscribe(state: TypeState, requested: readonly string[]): void {
  const names = new Set<string>();
  let explicitWildcard = false;
  for (const name of requested) {
    // `*` only means wildcard for the full-state types (see below); for EDS/RDS it names nothing.
    if (name === WILDCARD) explicitWildcard = true;
    else names.add(name);
  }
  if (requested.length > 0) state.onlyEmptyRequests = false;
  const wildcard = state.fullState && (explicitWildcard || state.onlyEmptyRequests);

  const addsInterest = (wildcard && !state.wildcard) || [...names].some((name) => !state.names.has(name));
  state.wildcard = wildcard;
  state.names = names;
  // Forgetting what an unsubscribed name held is also what makes a later re-subscription send it
  // again, unchanged or not: the client may have dropped it (e.g. Envoy re-creating a cluster).
  for (const name of [...state.confirmed.keys()]) if (!interested(state, name)) state.confirmed.delete(name);
  for (const name of [...state.forced]) if (!interested(state, name)) state.forced.delete(name);
  // Full-state responses must answer even when they would list nothing new (Envoy's init waits for one).
  if (addsInterest && state.fullState) state.replyDue = true;
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
