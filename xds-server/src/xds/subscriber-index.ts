import type { ChangeSet } from '../resources/node-view';
import { PUSH_ORDER, type TypeUrl } from '../resources/type-url';

/** What a stream subscribes to of one type. */
export interface Interest {
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  /** Lets the stream hold `shared`, an equal set of names, instead of its own copy. */
  shareNames?(shared: ReadonlySet<string>): void;
}

/** Streams of one view that subscribe to exactly the same of one type. */
interface InterestGroup<S> {
  readonly key: string;
  readonly wildcard: boolean;
  readonly names: ReadonlySet<string>;
  readonly streams: Set<S>;
}

/**
 * Per type, the streams subscribed to each resource name, plus the wildcard streams (as
 * go-control-plane's LinearCache keeps its watches), for the streams of one view.
 *
 * Streams of one view nearly always subscribe to the same names, so the index keeps one
 * group per distinct interest, and each stream of a group holds the group's set of names
 * instead of its own: a stream costs an entry in its group, not one per name it subscribes
 * to. A change finds its streams in O(changed names × distinct interests of the view).
 */
export class SubscriberIndex<S> {
  private readonly groups = new Map<TypeUrl, Map<string, InterestGroup<S>[]>>();
  private readonly indexed = new Map<S, Map<TypeUrl, InterestGroup<S>>>();

  /** Re-indexes `stream` for `typeUrl` under its current interest (undefined: it has none). */
  update(stream: S, typeUrl: TypeUrl, interest: Interest | undefined): void {
    const before = this.indexed.get(stream)?.get(typeUrl);
    if (before !== undefined && interest !== undefined && sameInterest(before, interest)) {
      interest.shareNames?.(before.names);
      return;
    }
    if (before) this.leave(stream, typeUrl, before);
    if (!interest) return;
    const group = this.groupFor(typeUrl, interest);
    group.streams.add(stream);
    interest.shareNames?.(group.names);
    let types = this.indexed.get(stream);
    if (!types) this.indexed.set(stream, (types = new Map()));
    types.set(typeUrl, group);
  }

  remove(stream: S): void {
    for (const [typeUrl, group] of this.indexed.get(stream) ?? []) this.leave(stream, typeUrl, group);
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
      for (const groups of this.groups.get(typeUrl)?.values() ?? []) {
        for (const group of groups) {
          if (group.wildcard || someIn(changed, group.names)) for (const stream of group.streams) found.add(stream);
        }
      }
    }
    return found;
  }

  private groupFor(typeUrl: TypeUrl, interest: Interest): InterestGroup<S> {
    const key = interestKey(interest);
    let byKey = this.groups.get(typeUrl);
    if (!byKey) this.groups.set(typeUrl, (byKey = new Map()));
    let candidates = byKey.get(key);
    if (!candidates) byKey.set(key, (candidates = []));
    const found = candidates.find((group) => sameInterest(group, interest));
    if (found) return found;
    const group: InterestGroup<S> = { key, wildcard: interest.wildcard, names: new Set(interest.names), streams: new Set() };
    candidates.push(group);
    return group;
  }

  private leave(stream: S, typeUrl: TypeUrl, group: InterestGroup<S>): void {
    group.streams.delete(stream);
    this.indexed.get(stream)?.delete(typeUrl);
    if (group.streams.size > 0) return;
    const byKey = this.groups.get(typeUrl);
    const candidates = byKey?.get(group.key)?.filter((g) => g !== group) ?? [];
    if (candidates.length > 0) byKey?.set(group.key, candidates);
    else byKey?.delete(group.key);
  }
}

function sameInterest(group: InterestGroup<unknown>, interest: Interest): boolean {
  if (group.wildcard !== interest.wildcard || group.names.size !== interest.names.size) return false;
  if (group.names === interest.names) return true;
  for (const name of interest.names) if (!group.names.has(name)) return false;
  return true;
}

function someIn(names: ReadonlySet<string>, subscribed: ReadonlySet<string>): boolean {
  const [small, large] = names.size <= subscribed.size ? [names, subscribed] : [subscribed, names];
  for (const name of small) if (large.has(name)) return true;
  return false;
}

/** An order-independent hash of the interest (FNV-1a per name, summed), so equal interests meet without sorting. */
function interestKey(interest: Interest): string {
  let sum = 0;
  let xor = 0;
  for (const name of interest.names) {
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    sum = (sum + (h >>> 0)) % 0x100000000;
    xor ^= h;
  }
  return `${interest.wildcard ? '*' : ''}${interest.names.size}:${sum.toString(36)}:${(xor >>> 0).toString(36)}`;
}
