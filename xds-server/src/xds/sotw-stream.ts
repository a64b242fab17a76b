import type { Resource } from '../resources/resource';
import type { ChangeSet, NodeView } from '../resources/node-view';
import { HeldResources } from './held-resources';
import type { Interest } from './subscriber-index';
import type { ErrorDetail, NackRecord } from './nack-record';
import { forceEndpoints, NO_NAMES, releaseRetained, respondToChanges, Subscription, WILDCARD, type SentContent } from './subscription';
import { PUSH_ORDER, TypeUrl } from '../resources/type-url';
import { compareNames, contentVersion } from '../resources/version-hash';

/** One DiscoveryRequest on a state-of-the-world ADS stream, reduced to what the state machine reads. */
export interface SotwRequest {
  readonly typeUrl: TypeUrl;
  readonly versionInfo: string;
  readonly resourceNames: readonly string[];
  /** The encoded resource_names, when the codec kept them: equal bytes mean equal names, unread. */
  readonly resourceNamesKey?: Buffer;
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
  /** True when the request changed what the stream subscribes to (the subscriber index follows it). */
  readonly subscriptionChanged?: boolean;
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

interface SentResponse extends SentContent {
  readonly nonce: string;
  readonly version: string;
  /** The client has echoed this nonce (ACK or NACK). */
  answered: boolean;
}

class TypeState extends Subscription {
  /** True while every request so far had empty resource_names: the legacy wildcard still applies. */
  onlyEmptyRequests = true;
  /** A full-state type's resources as of the client's last ACK: the whole index it ACKed, shared with every stream that got the same one. */
  confirmedIndex: ReadonlyMap<string, Resource> = new Map();
  /**
   * The other types' (EDS, RDS): what the client ACKed, kept as the view's index plus this
   * client's own differences, as a Delta client's is (held-resources.ts).
   */
  readonly held = new HeldResources(this);
  /** The latest response produced; only its nonce is valid in requests. */
  last: SentResponse | undefined;
  /**
   * The latest request's resource_names: an ACK usually repeats them exactly, which is checked
   * without building a set. Kept as their encoded bytes when the codec gives them, so that the
   * decoded strings are not held on every stream as well as in the shared subscription.
   */
  lastRequested: readonly string[] = [];
  lastRequestedKey: Buffer | undefined;

  /** What the client holds by `name`, as of its last ACK. */
  confirmed(name: string): Resource | undefined {
    if (this.fullState) return this.confirmedIndex.get(name);
    const held = this.held.get(name);
    return typeof held === 'string' ? undefined : held;
  }
}


/**
 * One state-of-the-world ADS stream: which types and names the client subscribed to, what it was
 * sent, what it ACKed or NACKed, and which responses it needs next. Pure: no I/O and no timers, so
 * the gRPC layer feeds it requests and view changes and writes what it returns.
 *
 * Work is proportional to what changed: a view change looks only at the names its change set
 * lists, a full-state answer is the view's shared index (sorted and versioned once per view),
 * and an ACK that changes no subscription builds nothing.
 *
 * Responses are computed against what the client has confirmed, not against the previous response:
 * the session may replace a response that was never written, so each response must also carry
 * everything the unanswered previous one carried.
 */
export class SotwStream {
  private readonly types = new Map<TypeUrl, TypeState>();
  private readonly awaiting = (typeUrl: TypeUrl): boolean => this.awaitingNonce(typeUrl) !== undefined;

  constructor(private readonly options: SotwStreamOptions) {}

  handleRequest(request: SotwRequest, view: NodeView): SotwOutcome {
    let state = this.types.get(request.typeUrl);
    const isNew = state === undefined;
    if (state === undefined) {
      state = new TypeState(request.typeUrl);
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
    const at = this.options.now?.() ?? new Date();
    if (last !== undefined && !last.answered) {
      last.answered = true;
      if (request.errorDetail !== undefined) {
        // The client keeps what it last ACKed; what it rejected is retried at the next change.
        state.reject(last);
        nack = state.recordNack(last.version, [...last.resources.keys()], request.errorDetail, at);
      } else {
        resolve(state, last, view);
        ackedVersion = request.versionInfo;
        state.ackedVersion = ackedVersion;
      }
    } else if (last === undefined && request.errorDetail !== undefined) {
      // The rejected response went out on an earlier stream, so its version is unknown here.
      nack = state.recordNack('', [...request.resourceNames], request.errorDetail, at);
    }

    if (!subscribe(state, request, isNew)) return { responses: [], ackedVersion, nack, subscriptionChanged: false };
    const response = this.build(state, view, undefined);
    return { responses: response ? this.withForcedEndpoints(response, view) : [], ackedVersion, nack, subscriptionChanged: true };
  }

  /** The view changed in `changes`: the responses needed to bring this client up to date, in push order. */
  handleViewChange(view: NodeView, changes: ChangeSet = undefined): SotwResponse[] {
    return respondToChanges(this.types, changes, this.awaiting, (state, changed, retain) => this.build(state, view, changed, retain));
  }

  /** Removes the clusters kept while a listener or route was on its way, once none is. */
  releaseRetained(view: NodeView): SotwResponse[] {
    return releaseRetained(this.types, this.awaiting, (state, changed, retain) => this.build(state, view, changed, retain));
  }

  awaitingNonce(typeUrl: TypeUrl): string | undefined {
    const last = this.types.get(typeUrl)?.last;
    return last !== undefined && !last.answered ? last.nonce : undefined;
  }

  /** False once a newer response of the same type exists, or a resource in it is no longer subscribed. */
  stillCurrent(response: SotwResponse): boolean {
    const state = this.types.get(response.typeUrl);
    if (state === undefined || state.last === undefined || state.last.nonce !== response.nonce) return false;
    return state.wildcard || response.resources.every((r) => state.interested(r.name));
  }

  ackedVersion(typeUrl: TypeUrl): string | undefined {
    return this.types.get(typeUrl)?.ackedVersion;
  }

  lastNack(typeUrl: TypeUrl): NackRecord | undefined {
    return this.types.get(typeUrl)?.lastNack;
  }

  /** What the stream subscribes to of a type, for the subscriber index. */
  interest(typeUrl: TypeUrl): Interest | undefined {
    return this.types.get(typeUrl);
  }

  subscriptions(): SotwSubscription[] {
    return PUSH_ORDER.flatMap((typeUrl) => {
      const state = this.types.get(typeUrl);
      if (state === undefined) return [];
      return [
        {
          typeUrl,
          wildcard: state.wildcard,
          resourceNames: state.sortedNames(),
          ackedVersion: state.ackedVersion,
          lastNack: state.lastNack,
          awaitingNonce: this.awaitingNonce(typeUrl),
        },
      ];
    });
  }

  /** A (re)subscription to clusters may force endpoints; their response goes out with it. */
  private withForcedEndpoints(response: SotwResponse, view: NodeView): SotwResponse[] {
    const endpoints = this.types.get(TypeUrl.Endpoint);
    if (response.typeUrl !== TypeUrl.Cluster || endpoints === undefined || endpoints.forced.size === 0) return [response];
    const forced = this.build(endpoints, view, NO_NAMES);
    return forced ? [response, forced] : [response];
  }

  /**
   * `changed`: the names to reconsider, or undefined to reconsider every name. `retain`: a full-state
   * response keeps listing the names gone from the view that the client holds (Subscription.retained).
   */
  private build(state: TypeState, view: NodeView, changed: ReadonlySet<string> | undefined, retain = false): SotwResponse | undefined {
    const unanswered = state.last !== undefined && !state.last.answered ? state.last : undefined;
    // What the client will hold once everything already produced has arrived.
    const held = (name: string): Resource | undefined =>
      state.fullState ? (unanswered?.resources ?? state.confirmedIndex).get(name) : (unanswered?.resources.get(name) ?? state.confirmed(name));

    let resources: readonly Resource[];
    let versionInfo: string;
    let carried: ReadonlyMap<string, Resource>;
    if (state.fullState) {
      const names = state.candidates(view, changed, (unanswered?.resources ?? state.confirmedIndex).keys());
      const kept: Resource[] = [];
      for (const name of names) {
        const gone = retain && view.resource(state.typeUrl, name) === undefined ? held(name) : undefined;
        if (gone === undefined) continue;
        state.retained.add(name);
        kept.push(gone);
      }
      const differs = [...names].some((name) => !state.retained.has(name) && held(name)?.version !== view.resource(state.typeUrl, name)?.version);
      if (!differs && !state.replyDue) return undefined;
      if (kept.length > 0) {
        resources = [...state.desired(view), ...kept].sort((a, b) => compareNames(a.name, b.name));
        versionInfo = contentVersion(resources);
        carried = new Map(resources.map((r) => [r.name, r]));
      } else if (state.wildcard) {
        const index = view.resources(state.typeUrl);
        resources = index.sorted();
        versionInfo = index.version();
        carried = index;
      } else {
        resources = state.desired(view);
        versionInfo = contentVersion(resources);
        carried = new Map(resources.map((r) => [r.name, r]));
      }
    } else {
      const names = state.candidates(view, changed, []);
      if (unanswered) for (const name of unanswered.resources.keys()) if (state.interested(name)) names.add(name);
      const picked: Resource[] = [];
      let needed = false;
      for (const name of names) {
        const resource = view.resource(state.typeUrl, name);
        if (resource === undefined) continue;
        if (state.forced.has(name) || held(name)?.version !== resource.version) needed = true;
        if (state.forced.has(name) || state.confirmed(name)?.version !== resource.version || unanswered?.resources.has(name) === true) picked.push(resource);
      }
      if (!needed) return undefined;
      resources = picked.sort((a, b) => compareNames(a.name, b.name));
      // The version of the view's whole type, as go-control-plane's snapshot versions are: it
      // names the content, not the response, so the same state gets the same version from any
      // replica or after a restart, however the client's subscriptions grew.
      versionInfo = view.resources(state.typeUrl).version();
      carried = new Map(resources.map((r) => [r.name, r]));
    }
    if (state.repeatsRejected(resources, [])) return undefined;

    if (state.typeUrl === TypeUrl.Cluster) {
      // A changed cluster stays warming in Envoy until its CLA arrives again.
      forceEndpoints(this.types, resources.filter((r) => held(r.name)?.version !== r.version).map((r) => r.name));
    }

    const nonce = this.options.newNonce();
    state.last = { nonce, version: versionInfo, resources: carried, removed: NO_NAMES, answered: false };
    state.sent();
    return { typeUrl: state.typeUrl, versionInfo, nonce, resources };
  }

}

/** The client has ACKed `last`: fold it into what it holds. */
function resolve(state: TypeState, last: SentResponse, view: NodeView): void {
  if (state.fullState) {
    state.confirmedIndex = last.resources;
    return;
  }
  for (const [name, resource] of last.resources) if (state.interested(name)) state.held.set(name, resource);
  state.held.rebaseOnto(view.resources(state.typeUrl));
}

/** Applies a request's resource_names; true when the subscription changed (or is new). */
function subscribe(state: TypeState, request: SotwRequest, first: boolean): boolean {
  const key = request.resourceNamesKey;
  if (!first && key !== undefined && state.lastRequestedKey !== undefined && key.equals(state.lastRequestedKey)) return false;
  const requested = request.resourceNames;
  // A copy: the key is a slice of the request's buffer, which it would otherwise keep alive.
  state.lastRequestedKey = key === undefined ? undefined : Buffer.from(key);
  if (!first && key === undefined && sameNames(requested, state.lastRequested)) return false;
  state.lastRequested = key === undefined ? requested : NO_REQUESTED_NAMES;
  const names = new Set<string>();
  let explicitWildcard = false;
  for (const name of requested) {
    // `*` only means wildcard for the full-state types (see below); for EDS/RDS it names nothing.
    if (name === WILDCARD) explicitWildcard = true;
    else names.add(name);
  }
  if (requested.length > 0) state.onlyEmptyRequests = false;
  const wildcard = state.fullState && (explicitWildcard || state.onlyEmptyRequests);
  const same = wildcard === state.wildcard && names.size === state.names.size && [...names].every((name) => state.names.has(name));
  if (same && !first) return false;

  const addsInterest = (wildcard && !state.wildcard) || [...names].some((name) => !state.names.has(name)) || first;
  // A name subscribed again is sent again, unchanged or not: the client may have dropped it
  // (e.g. Envoy re-creating a cluster), so what the shared base says it holds no longer counts.
  if (!state.fullState) for (const name of names) if (!state.interested(name)) state.held.delete(name);
  state.wildcard = wildcard;
  state.replaceNames(names);
  // What an unsubscribed name held is forgotten.
  if (!state.fullState) state.held.prune();
  else if (!state.wildcard) {
    const confirmed = new Map(state.confirmedIndex);
    for (const name of confirmed.keys()) if (!state.interested(name)) confirmed.delete(name);
    state.confirmedIndex = confirmed;
  }
  state.pruneUnsubscribed();
  // Full-state responses must answer even when they would list nothing new (Envoy's init waits for one).
  if (addsInterest && state.fullState) state.replyDue = true;
  return true;
}

const NO_REQUESTED_NAMES: readonly string[] = [];

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
