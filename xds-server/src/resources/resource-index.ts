import type { Resource } from './resource';
import { compareNames, contentVersion } from './version-hash';

/**
 * The resources of one type in one view: an immutable map by name, optionally layered over
 * a shared base (a sidecar's clusters are the mesh's clusters plus its own `local_app`), so
 * views share the base instead of copying it. Everything derived from the content is
 * computed once and shared by every stream that reads this index: the sorted list, the
 * version, and the names that changed since a given earlier index.
 */
export class ResourceIndex implements ReadonlyMap<string, Resource> {
  private sortedMemo: readonly Resource[] | undefined;
  private versionMemo: string | undefined;
  private sizeMemo: number | undefined;
  /** Changes recorded at build time, by the index they were measured against; weak, so no history is retained. */
  private readonly recorded = new WeakMap<ResourceIndex, ReadonlySet<string>>();

  constructor(
    private readonly own: ReadonlyMap<string, Resource>,
    private readonly base?: ResourceIndex,
  ) {}

  static of(resources: Iterable<Resource>): ResourceIndex {
    return new ResourceIndex(new Map(Array.from(resources, (r) => [r.name, r])));
  }

  static readonly EMPTY = new ResourceIndex(new Map());

  /**
   * An index for the next snapshot, with the names that differ from `previous` recorded, so
   * that every view over it learns what changed without comparing everything again.
   */
  static next(previous: ResourceIndex | undefined, resources: Iterable<Resource>): ResourceIndex {
    const next = ResourceIndex.of(resources);
    if (previous) next.recorded.set(previous, next.diff(previous));
    return next;
  }

  /** This index with `own` entries laid over it (they win on a name clash). */
  with(own: ReadonlyMap<string, Resource>): ResourceIndex {
    return own.size === 0 ? this : new ResourceIndex(own, this);
  }

  get(name: string): Resource | undefined {
    return this.own.get(name) ?? this.base?.get(name);
  }

  has(name: string): boolean {
    return this.own.has(name) || (this.base?.has(name) ?? false);
  }

  get size(): number {
    if (this.sizeMemo === undefined) {
      let shadowed = 0;
      if (this.base) for (const name of this.own.keys()) if (this.base.has(name)) shadowed++;
      this.sizeMemo = this.own.size + (this.base?.size ?? 0) - shadowed;
    }
    return this.sizeMemo;
  }

  *entries(): MapIterator<[string, Resource]> {
    if (this.base) for (const entry of this.base.entries()) if (!this.own.has(entry[0])) yield entry;
    yield* this.own.entries();
  }

  *keys(): MapIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): MapIterator<Resource> {
    for (const [, resource] of this.entries()) yield resource;
  }

  [Symbol.iterator](): MapIterator<[string, Resource]> {
    return this.entries();
  }

  forEach(callback: (value: Resource, key: string, map: ReadonlyMap<string, Resource>) => void): void {
    for (const [name, resource] of this.entries()) callback(resource, name, this);
  }

  /** Every resource, by name in code-unit order. */
  sorted(): readonly Resource[] {
    this.sortedMemo ??= [...this.values()].sort((a, b) => compareNames(a.name, b.name));
    return this.sortedMemo;
  }

  /** The content version of everything here (see contentVersion). */
  version(): string {
    this.versionMemo ??= contentVersion(this.sorted());
    return this.versionMemo;
  }

  /**
   * The names whose resource differs from `previous` (added, changed or removed), by version.
   * Cheap when both share a base whose changes were recorded at build time.
   */
  changedSince(previous: ResourceIndex): ReadonlySet<string> {
    if (previous === this) return EMPTY_NAMES;
    const recorded = this.recorded.get(previous);
    if (recorded) return recorded;
    if (this.base && previous.base) {
      const candidates = new Set([...this.base.changedSince(previous.base), ...this.own.keys(), ...previous.own.keys()]);
      return new Set([...candidates].filter((name) => this.get(name)?.version !== previous.get(name)?.version));
    }
    return this.diff(previous);
  }

  private diff(previous: ResourceIndex): ReadonlySet<string> {
    const changed = new Set<string>();
    for (const [name, resource] of this.entries()) if (previous.get(name)?.version !== resource.version) changed.add(name);
    for (const name of previous.keys()) if (!this.has(name)) changed.add(name);
    return changed;
  }
}

const EMPTY_NAMES: ReadonlySet<string> = new Set();
