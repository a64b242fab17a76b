import type { Resource } from './resource';

interface Entry {
  deps: readonly unknown[];
  resource: Resource;
}

/**
 * Encoded resources by slot, reused while their inputs are unchanged. Inputs are compared
 * like React's useMemo deps: by identity for objects, by value for strings and numbers.
 * A cache built from the previous one keeps only the slots used since, so resources of
 * services that left the mesh are dropped.
 */
export class EncodeCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private previous: ReadonlyMap<string, Entry> = new Map()) {}

  /** A new cache for the next snapshot, seeded with this one's entries. */
  next(): EncodeCache {
    return new EncodeCache(this.entries);
  }

  resource(slot: string, deps: readonly unknown[], encode: () => Resource): Resource {
    const found = this.entries.get(slot) ?? this.previous.get(slot);
    if (found && sameDeps(found.deps, deps)) {
      this.entries.set(slot, found);
      return found.resource;
    }
    const entry = { deps, resource: encode() };
    this.entries.set(slot, entry);
    return entry.resource;
  }

  /**
   * Takes over the previous entries not used yet whose slot `keep` accepts (resources
   * encoded lazily, on a proxy's first request), then forgets the previous cache.
   */
  carry(keep: (slot: string) => boolean): void {
    for (const [slot, entry] of this.previous) if (!this.entries.has(slot) && keep(slot)) this.entries.set(slot, entry);
    this.previous = new Map();
  }
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}
