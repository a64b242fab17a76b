import type { ChangeSet, NodeView } from '../resources/node-view';
import { PUSH_ORDER, type TypeUrl } from '../resources/type-url';

/** What differs between two views of the same proxy identity, per type (undefined: no earlier view). */
export function viewChanges(previous: NodeView | undefined, next: NodeView): ChangeSet {
  if (previous === undefined) return undefined;
  const changes = new Map<TypeUrl, ReadonlySet<string>>();
  if (previous === next) return changes;
  for (const typeUrl of PUSH_ORDER) {
    const changed = next.resources(typeUrl).changedSince(previous.resources(typeUrl));
    if (changed.size > 0) changes.set(typeUrl, changed);
  }
  return changes;
}

/** Both change sets at once: what a stream still has to look at after missing a push. */
export function mergeChanges(a: ChangeSet, b: ChangeSet): ChangeSet {
  if (a === undefined || b === undefined) return undefined;
  const merged = new Map(a);
  for (const [typeUrl, names] of b) {
    const earlier = merged.get(typeUrl);
    merged.set(typeUrl, earlier ? new Set([...earlier, ...names]) : names);
  }
  return merged;
}
