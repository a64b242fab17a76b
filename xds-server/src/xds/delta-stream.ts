import type { Resource } from '../resources/resource';
import type { ChangeSet, NodeView } from '../resources/node-view';
import type { ErrorDetail, NackRecord } from './nack-record';
import { HeldResources, type Held } from './held-resources';
import type { Interest } from './subscriber-index';
import { forceEndpoints, NO_NAMES, releaseRetained, respondToChanges, Subscription, WILDCARD, type SentContent } from './subscription';
import { PUSH_ORDER, TypeUrl } from '../resources/type-url';
import { compareNames } from '../resources/version-hash';

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
  /** True when the request changed what the stream subscribes to (the subscriber index follows it). */
  readonly subscriptionChanged?: boolean;
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

/** How many responses per type an ACK or NACK can still be matched to, for records only. */
const RECENT_RESPONSES = 16;

interface PendingResponse extends SentContent {
  readonly nonce: string;
}

interface ResponseSummary {
  readonly version: string;
  readonly content: SentContent;
}

class TypeState extends Subscription {
  /** name -> resource the client holds, as of its last ACK (or its initial versions, by version only). */
  readonly client = new HeldResources(this);
  /** The latest response, until the client answers it. */
  pending: PendingResponse | undefined;
  latestNonce: string | undefined;
  readonly recent = new Map<string, ResponseSummary>();
}

function versionOf(held: Held | undefined): string | undefined {
  return typeof held === 'string' ? held : held?.version;
}

/**
 * One incremental (delta) ADS stream. Pure, like SotwStream, and like it proportional to what
 * changed. Unlike SotW, nonces never gate requests: subscription changes are honoured whatever
 * nonce they carry, and the nonce only ties an ACK or NACK to a response.
 *
 * Each response also carries whatever the unanswered previous response of its type carried, because
 * the session may have replaced that one before it was written.
 */
export class DeltaStream {
  private readonly types = new Map<TypeUrl, TypeState>();
  private readonly awaiting = (typeUrl: TypeUrl): boolean => this.awaitingNonce(typeUrl) !== undefined;

  constructor(private readonly options: DeltaStreamOptions) {}

  handleRequest(request: DeltaRequest, view: NodeView): DeltaOutcome {
    let state = this.types.get(request.typeUrl);
    const first = state === undefined;
    if (state === undefined) {
      state = new TypeState(request.typeUrl);
      this.types.set(request.typeUrl, state);
    }
    const answer = this.correlate(state, request, view);
    const changed = first ? (open(state, request, view), true) : update(state, request, view);
    if (!changed) return { responses: [], ...answer, subscriptionChanged: false };
    const responses = [this.build(state, view, undefined), this.forcedEndpoints(state, view)].filter((r): r is DeltaResponse => r !== undefined);
    return { responses, ...answer, subscriptionChanged: true };
  }

  /** The view changed in `changes`: the responses needed to bring this client up to date, in push order. */
  handleViewChange(view: NodeView, changes: ChangeSet = undefined): DeltaResponse[] {
    return respondToChanges(this.types, changes, this.awaiting, (state, changed, retain) => this.build(state, view, changed, retain));
  }

  /** Removes the clusters and endpoints kept while a listener or route was on its way, once none is. */
  releaseRetained(view: NodeView): DeltaResponse[] {
    return releaseRetained(this.types, this.awaiting, (state, changed, retain) => this.build(state, view, changed, retain));
  }

  awaitingNonce(typeUrl: TypeUrl): string | undefined {
    return this.types.get(typeUrl)?.pending?.nonce;
  }

  /** False once a newer response of the same type exists, or a resource in it is no longer subscribed. */
  stillCurrent(response: DeltaResponse): boolean {
    const state = this.types.get(response.typeUrl);
    if (state === undefined || state.latestNonce !== response.nonce) return false;
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

  subscriptions(): DeltaSubscription[] {
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

  /** Ties an ACK or NACK to the response it answers. */
  private correlate(state: TypeState, request: DeltaRequest, view: NodeView): { ackedVersion?: string; nack?: NackRecord } {
    const nonce = request.responseNonce;
    const at = this.options.now?.() ?? new Date();
    if (nonce === '') {
      return request.errorDetail === undefined ? {} : { nack: state.recordNack('', [], request.errorDetail, at) };
    }
    const summary = state.recent.get(nonce);
    state.recent.delete(nonce);
    if (request.errorDetail !== undefined) {
      // The client keeps what it last ACKed; the rejected content is retried at the next change, never resent as it was.
      if (state.pending?.nonce === nonce) {
        state.reject(state.pending);
        state.pending = undefined;
      }
      // An unknown nonce (too old, or from an earlier stream) still reports a real error, so keep it.
      return { nack: state.recordNack(summary?.version ?? '', [...(summary?.content.resources.keys() ?? [])], request.errorDetail, at) };
    }
    // Answers to older responses change nothing: the latest one repeats whatever they carried.
    if (state.pending?.nonce === nonce) resolve(state, state.pending, view);
    if (summary === undefined) return {};
    state.ackedVersion = summary.version;
    return { ackedVersion: summary.version };
  }

  private forcedEndpoints(state: TypeState, view: NodeView): DeltaResponse | undefined {
    const endpoints = this.types.get(TypeUrl.Endpoint);
    if (state.typeUrl !== TypeUrl.Cluster || endpoints === undefined || endpoints.forced.size === 0) return undefined;
    return this.build(endpoints, view, NO_NAMES);
  }

  /** `changed`: the names to reconsider, or undefined to reconsider every name. `retain`: see Subscription.retained. */
  private build(state: TypeState, view: NodeView, changed: ReadonlySet<string> | undefined, retain = false): DeltaResponse | undefined {
    const pending = state.pending;
    const touchedByPending = (name: string): boolean => pending !== undefined && (pending.resources.has(name) || pending.removed.has(name));
    // What the client will hold once the pending response has arrived.
    const heldVersion = (name: string): string | undefined => {
      if (pending?.resources.has(name)) return pending.resources.get(name)?.version;
      if (pending?.removed.has(name)) return undefined;
      return versionOf(state.client.get(name));
    };
    const names = state.candidates(view, changed, state.client.keys());
    if (pending) {
      for (const name of pending.resources.keys()) names.add(name);
      for (const name of pending.removed) names.add(name);
    }

    let needed = state.replyDue || (pending !== undefined && [...pending.resources.keys()].some((name) => !state.interested(name)));
    const resources: Resource[] = [];
    const removed: string[] = [];
    const changedClusters: string[] = [];
    for (const name of names) {
      if (!state.interested(name)) continue;
      const resource = view.resource(state.typeUrl, name);
      const forced = state.forced.has(name);
      if (resource !== undefined) {
        const isChange = heldVersion(name) !== resource.version;
        if (isChange) changedClusters.push(name);
        needed ||= isChange || forced;
        if (isChange || forced || versionOf(state.client.get(name)) !== resource.version || touchedByPending(name)) resources.push(resource);
      } else {
        // Only names the client holds, plus explicit subscriptions to names that do not exist: the
        // spec's fast "does not exist" signal, which spares the client its 15 s timeout.
        const held = heldVersion(name) !== undefined;
        if (retain && held) {
          state.retained.add(name);
          continue;
        }
        const must = held || forced;
        needed ||= must;
        if (must || state.client.has(name) || touchedByPending(name)) removed.push(name);
      }
    }

    if (!needed) return undefined;
    if (resources.length === 0 && removed.length === 0 && !state.replyDue) {
      // The pending response only held names since unsubscribed; the session drops it, and nothing replaces it.
      state.pending = undefined;
      return undefined;
    }
    resources.sort((a, b) => compareNames(a.name, b.name));
    removed.sort(compareNames);
    if (state.repeatsRejected(resources, removed)) return undefined;

    if (state.typeUrl === TypeUrl.Cluster) forceEndpoints(this.types, changedClusters);

    const nonce = this.options.newNonce();
    // Informational only: the version of everything of this type in the view, computed once per view.
    const systemVersionInfo = view.resources(state.typeUrl).version();
    const content: SentContent = { resources: new Map(resources.map((r) => [r.name, r])), removed: new Set(removed) };
    state.pending = { nonce, ...content };
    state.latestNonce = nonce;
    state.sent();
    state.recent.set(nonce, { version: systemVersionInfo, content });
    if (state.recent.size > RECENT_RESPONSES) {
      const oldest = state.recent.keys().next();
      if (oldest.done !== true) state.recent.delete(oldest.value);
    }
    return { typeUrl: state.typeUrl, systemVersionInfo, nonce, resources, removed };
  }

}

/** First request of a type on this stream: subscriptions, legacy wildcard, and what the client already holds. */
function open(state: TypeState, request: DeltaRequest, view: NodeView): void {
  // Legacy wildcard: CDS/LDS opened with nothing to subscribe or unsubscribe.
  state.wildcard = state.fullState && request.subscribe.length === 0 && request.unsubscribe.length === 0;
  const unsubscribed = new Set(request.unsubscribe);
  for (const name of request.subscribe) {
    if (unsubscribed.has(name)) continue;
    if (name === WILDCARD) state.wildcard ||= state.fullState;
    else state.addName(state.canonical(view, name));
  }
  for (const [name, version] of Object.entries(request.initialVersions)) {
    if (state.interested(name)) state.client.set(name, version);
  }
  // Names the client already holds at the current version are not resent; it still gets an answer.
  for (const name of state.names) if (!Object.hasOwn(request.initialVersions, name)) state.forced.add(name);
  state.replyDue = state.wildcard || state.names.size > 0;
}

/** Applies subscribe/unsubscribe; true when the subscription changed. */
function update(state: TypeState, request: DeltaRequest, view: NodeView): boolean {
  if (request.subscribe.length === 0 && request.unsubscribe.length === 0) return false;
  // Unsubscribe first, so that a name in both lists ends up subscribed: the safer reading.
  for (const name of request.unsubscribe) {
    if (name === WILDCARD) {
      if (state.fullState) state.wildcard = false;
    } else if (state.deleteName(name) && state.wildcard) {
      // Still held through the wildcard, but the client cannot tell: the spec wants it in resources or removed.
      state.forced.add(name);
    }
  }
  for (const name of request.subscribe) {
    if (name === WILDCARD) {
      if (!state.fullState) continue;
      // Widening the interest would let the shared base claim names this client never had.
      if (!state.wildcard) state.client.detach();
      state.wildcard = true;
      // The client may have forgotten anything, so resend it all.
      for (const known of view.resources(state.typeUrl).keys()) state.forced.add(known);
    } else {
      const canonical = state.canonical(view, name);
      if (!state.interested(canonical)) state.client.delete(canonical);
      state.addName(canonical);
      // Even if the client had it: it may have dropped it, and it expects an answer.
      state.forced.add(canonical);
    }
    state.replyDue = true;
  }
  state.client.prune();
  state.pruneUnsubscribed();
  return true;
}

/** The client has ACKed `pending`: what it carried is now what the client holds. */
function resolve(state: TypeState, pending: PendingResponse, view: NodeView): void {
  for (const [name, resource] of pending.resources) if (state.interested(name)) state.client.set(name, resource);
  for (const name of pending.removed) state.client.delete(name);
  state.pending = undefined;
  state.client.rebaseOnto(view.resources(state.typeUrl));
}
