import type { ChangeSet } from '../resources/node-view';
import { PUSH_ORDER, type TypeUrl } from '../resources/type-url';

/** What a stream subscribes to of one type. */
export interface Interest {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
}

interface Indexed {
  readonly wildcard: boolean;
  readonly names: readonly string[];
}

/**
 * Per type, resource name -> the streams subscribed to it, plus the wildcard streams (as
 * go-control-plane's LinearCache keeps its watches). A change reaches only the streams that
 * subscribe to something in it, found in O(changed names), not by asking every stream.
 */
export class SubscriberIndex<S> {
  private readonly byName = new Map<TypeUrl, Map<string, Set<S>>>();
  private readonly wildcard = new Map<TypeUrl, Set<S>>();
  /** What each stream was indexed under, to remove exactly that on a change of heart (an array: a tenth of a set's memory). */
  private readonly indexed = new Map<S, Map<TypeUrl, Indexed>>();

  /** Re-indexes `stream` for `typeUrl` under its current interest (undefined: it has none). */
  update(stream: S, typeUrl: TypeUrl, interest: Interest | undefined): void {
    const before = this.indexed.get(stream)?.get(typeUrl);
    if (before) this.drop(stream, typeUrl, before);
    if (!interest) return;
    const snapshot: Indexed = { wildcard: interest.wildcard, names: Array.from(interest.names) };
    if (snapshot.wildcard) setOf(this.wildcard, typeUrl).add(stream);
    const names = mapOf(this.byName, typeUrl);
    for (const name of snapshot.names) {
      let streams = names.get(name);
      if (!streams) names.set(name, (streams = new Set()));
      streams.add(stream);
    }
    let types = this.indexed.get(stream);
    if (!types) this.indexed.set(stream, (types = new Map()));
    types.set(typeUrl, snapshot);
  }

  remove(stream: S): void {
    for (const [typeUrl, interest] of this.indexed.get(stream) ?? []) this.drop(stream, typeUrl, interest);
    this.indexed.delete(stream);
  }

  get size(): number {
    return this.indexed.size;
  }

  /** The streams subscribed to something in `changes` (every indexed stream when the changes are unknown). */
  affected(changes: ChangeSet): Set<S> {
    if (changes === undefined) return new Set(this.indexed.keys());
    const found = new Set<S>();
    for (const typeUrl of PUSH_ORDER) {
      const changed = changes.get(typeUrl);
      if (!changed || changed.size === 0) continue;
      for (const stream of this.wildcard.get(typeUrl) ?? []) found.add(stream);
      const names = this.byName.get(typeUrl);
      if (!names) continue;
      for (const name of changed) for (const stream of names.get(name) ?? []) found.add(stream);
    }
    return found;
  }

  private drop(stream: S, typeUrl: TypeUrl, interest: Indexed): void {
    if (interest.wildcard) this.wildcard.get(typeUrl)?.delete(stream);
    const names = this.byName.get(typeUrl);
    if (names) {
      for (const name of interest.names) {
        const streams = names.get(name);
        streams?.delete(stream);
        if (streams?.size === 0) names.delete(name);
      }
    }
    this.indexed.get(stream)?.delete(typeUrl);
  }
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let found = map.get(key);
  if (!found) map.set(key, (found = new Set()));
  return found;
}

function mapOf<K, K2, V>(map: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let found = map.get(key);
  if (!found) map.set(key, (found = new Map()));
  return found;
}
