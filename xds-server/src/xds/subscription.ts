import type { Resource } from '../resources/resource';
import type { ChangeSet, NodeView } from '../resources/node-view';
import type { ErrorDetail, NackRecord } from './nack-record';
import { isFullStateType, PUSH_ORDER, TypeUrl } from '../resources/type-url';
import { compareNames } from '../resources/version-hash';

export const WILDCARD = '*';
export const NO_NAMES: ReadonlySet<string> = new Set();

/** A response as the subscription remembers it: what it carried, by name. */
export interface SentContent {
  /** name -> resource the response carried. */
  readonly resources: ReadonlyMap<string, Resource>;
  /** Names the response removed (Delta only). */
  readonly removed: ReadonlySet<string>;
}

/**
 * What one stream wants and holds of one type: the bookkeeping SotW and Delta share.
 *
 * NACK rule: after a NACK the proxy is taken to hold what it last ACKed, not what it
 * rejected. The rejected names are reconsidered at the next change (so a good resource
 * that travelled with a bad one still arrives), and a response with exactly the rejected
 * content is never sent again, so a NACK cannot loop.
 */
export class Subscription {
  readonly fullState: boolean;
  wildcard = false;
  /** The subscribed names. The subscriber index may replace them with an equal set other streams share, so they change by copy. */
  names: ReadonlySet<string>;
  /** `names` when this subscription may change it in place. */
  private ownNames: Set<string> | undefined;
  /** EDS names the next response must carry even if unchanged: the CLAs of changed clusters; Delta: any forced answer. */
  readonly forced = new Set<string>();
  /** A (re)subscription waits for its answer, even an empty one. */
  replyDue = false;
  /**
   * CDS and EDS: names gone from the view that the client keeps a while, because a listener or
   * route that replaces the last one naming them is still on its way (make-before-break).
   */
  readonly retained = new Set<string>();
  /** The content of the latest NACKed response, never to be sent again as it was. */
  rejected: SentContent | undefined;
  /** Names of the rejected response, reconsidered by the next build that a change triggers. */
  readonly retry = new Set<string>();
  ackedVersion: string | undefined;
  lastNack: NackRecord | undefined;

  constructor(readonly typeUrl: TypeUrl) {
    this.fullState = isFullStateType(typeUrl);
    this.names = this.ownNames = new Set();
  }

  /**
   * The view's own string for a requested name, when it has one: thousands of streams then share
   * one copy of each name instead of each keeping the one its request was decoded into.
   */
  canonical(view: NodeView, name: string): string {
    return view.resource(this.typeUrl, name)?.name ?? name;
  }

  addName(name: string): void {
    this.writableNames().add(name);
  }

  deleteName(name: string): boolean {
    return this.names.has(name) && this.writableNames().delete(name);
  }

  replaceNames(names: Set<string>): void {
    this.names = this.ownNames = names;
  }

  /** Takes `shared`, equal to the current names, in their place. */
  shareNames(shared: ReadonlySet<string>): void {
    if (shared === this.names) return;
    this.names = shared;
    this.ownNames = undefined;
  }

  private writableNames(): Set<string> {
    if (this.ownNames === undefined) this.names = this.ownNames = new Set(this.names);
    return this.ownNames;
  }

  interested(name: string): boolean {
    return this.wildcard || this.names.has(name);
  }

  /** The subscribed names, sorted, without the wildcard: for /info and `mesh status`. */
  sortedNames(): string[] {
    return [...this.names].sort(compareNames);
  }

  /** Forgets forced and retried names the stream no longer subscribes to. */
  pruneUnsubscribed(): void {
    for (const name of [...this.forced]) if (!this.interested(name)) this.forced.delete(name);
    for (const name of [...this.retry]) if (!this.interested(name)) this.retry.delete(name);
    for (const name of [...this.retained]) if (!this.interested(name)) this.retained.delete(name);
  }

  recordNack(rejectedVersion: string, resourceNames: string[], error: ErrorDetail, at: Date): NackRecord {
    this.lastNack = {
      typeUrl: this.typeUrl,
      rejectedVersion,
      resourceNames: resourceNames.sort(compareNames),
      error: { code: error.code, message: error.message },
      at,
    };
    return this.lastNack;
  }

  /** Remembers a rejected response: its names are retried on the next change, its content never resent. */
  reject(content: SentContent): void {
    this.rejected = content;
    for (const name of content.resources.keys()) this.retry.add(name);
    for (const name of content.removed) this.retry.add(name);
  }

  /** True when a response would carry exactly what the proxy last rejected. */
  repeatsRejected(resources: readonly Resource[], removed: readonly string[]): boolean {
    const rejected = this.rejected;
    if (!rejected || rejected.resources.size !== resources.length || rejected.removed.size !== removed.length) return false;
    return resources.every((r) => rejected.resources.get(r.name)?.version === r.version) && removed.every((name) => rejected.removed.has(name));
  }

  /** A response was produced: forced answers are given, retries made. */
  sent(): void {
    this.forced.clear();
    this.retry.clear();
    this.replyDue = false;
    this.rejected = undefined;
  }

  /**
   * The names a build must look at: those that changed in the view (every subscribed or
   * existing name when unknown), plus what the stream owes for its own reasons.
   */
  candidates(view: NodeView, changed: ReadonlySet<string> | undefined, alsoHeld: Iterable<string>): Set<string> {
    const names = new Set<string>();
    if (changed === undefined) {
      if (this.wildcard) for (const name of view.resources(this.typeUrl).keys()) names.add(name);
      for (const name of this.names) names.add(name);
      for (const name of alsoHeld) names.add(name);
    } else {
      for (const name of changed) if (this.interested(name)) names.add(name);
    }
    for (const name of this.forced) names.add(name);
    for (const name of this.retry) names.add(name);
    // Looked at again each time: kept once more if still gone and still named, else removed (or back).
    for (const name of this.retained) names.add(name);
    this.retained.clear();
    return names;
  }

  /** What the view offers this subscription, sorted by name (a full-state type always answers in full). */
  desired(view: NodeView): readonly Resource[] {
    if (this.wildcard) return view.resources(this.typeUrl).sorted();
    const picked: Resource[] = [];
    for (const name of this.names) {
      const resource = view.resource(this.typeUrl, name);
      if (resource !== undefined) picked.push(resource);
    }
    return picked.sort((a, b) => compareNames(a.name, b.name));
  }
}

/** The types a listener or route names, whose removal must wait for the listener or route that stops naming them. */
const RETAINED_TYPES: readonly TypeUrl[] = [TypeUrl.Cluster, TypeUrl.Endpoint];
const NAMING_TYPES: readonly TypeUrl[] = [TypeUrl.Listener, TypeUrl.Route];
const OTHER_TYPES: readonly TypeUrl[] = PUSH_ORDER.filter((t) => !RETAINED_TYPES.includes(t));
const NO_CHANGES: ChangeSet = new Map();

/** Builds one type's response; `retain` keeps names gone from the view on the client (see Subscription.retained). */
export type BuildResponse<S extends Subscription, R> = (state: S, changed: ReadonlySet<string> | undefined, retain: boolean) => R | undefined;

/**
 * The responses a view change calls for, in push order: each type with changed names (or
 * names it must send anyway) is built, the others are skipped. CDS is built before EDS so
 * that it can force the ClusterLoadAssignments of changed clusters.
 *
 * Listeners and routes are built first: when one is on its way, clusters and endpoints the view
 * dropped stay on the client until it has been answered, since what the client routes by now may
 * still name them. `releaseRetained` removes them then.
 */
export function respondToChanges<S extends Subscription, R>(
  types: ReadonlyMap<TypeUrl, S>,
  changes: ChangeSet,
  awaiting: (typeUrl: TypeUrl) => boolean,
  build: BuildResponse<S, R>,
): R[] {
  const others = buildTypes(types, changes, OTHER_TYPES, build, false);
  const retained = buildTypes(types, changes, RETAINED_TYPES, build, NAMING_TYPES.some(awaiting));
  return [...retained, ...others];
}

/** Once no listener or route waits for its answer: the responses that remove what was retained meanwhile. */
export function releaseRetained<S extends Subscription, R>(types: ReadonlyMap<TypeUrl, S>, awaiting: (typeUrl: TypeUrl) => boolean, build: BuildResponse<S, R>): R[] {
  if (NAMING_TYPES.some(awaiting) || !RETAINED_TYPES.some((typeUrl) => (types.get(typeUrl)?.retained.size ?? 0) > 0)) return [];
  return buildTypes(types, NO_CHANGES, RETAINED_TYPES, build, false);
}

function buildTypes<S extends Subscription, R>(
  types: ReadonlyMap<TypeUrl, S>,
  changes: ChangeSet,
  order: readonly TypeUrl[],
  build: BuildResponse<S, R>,
  retain: boolean,
): R[] {
  const responses: R[] = [];
  for (const typeUrl of order) {
    const state = types.get(typeUrl);
    if (state === undefined) continue;
    const changed = changes === undefined ? undefined : (changes.get(typeUrl) ?? NO_NAMES);
    const owed = state.forced.size > 0 || (!retain && state.retained.size > 0);
    if (changed !== undefined && changed.size === 0 && !owed) continue;
    const response = build(state, changed, retain);
    if (response !== undefined) responses.push(response);
  }
  return responses;
}

/** A changed cluster stays warming in Envoy until its ClusterLoadAssignment arrives again, so that is resent too. */
export function forceEndpoints(types: ReadonlyMap<TypeUrl, Subscription>, clusterNames: readonly string[]): void {
  const endpoints = types.get(TypeUrl.Endpoint);
  if (endpoints === undefined) return;
  for (const name of clusterNames) if (endpoints.interested(name)) endpoints.forced.add(name);
}
