import { createHash } from 'node:crypto';
import type { ServiceInstance } from './service-instance';

/**
 * What the catalog looks like at one moment, for the translator. Immutable: a new snapshot is
 * built for every change, and a service whose instances did not change keeps the very same
 * array, so consumers may compare lists by reference.
 */
export interface CatalogSnapshot {
  /** Service name → instances to serve, sorted by node and id. A service with none left maps to []. */
  readonly services: ReadonlyMap<string, readonly ServiceInstance[]>;
  /** Epoch ms when the change carried by this snapshot was first seen in an answer from Consul. */
  readonly observedAt: number;
  /** Services added, removed or changed since the previous snapshot (all of them in the first one). */
  readonly changed: readonly string[];
  /** Content hash over all services: equal content, equal version, on every replica. */
  readonly version: string;
}

export function buildSnapshot(
  services: ReadonlyMap<string, readonly ServiceInstance[]>,
  serviceHashes: ReadonlyMap<string, string>,
  changed: Iterable<string>,
  observedAt: number,
): CatalogSnapshot {
  const names = [...services.keys()].sort();
  const ordered = new Map<string, readonly ServiceInstance[]>();
  const version = createHash('sha256');
  for (const name of names) {
    ordered.set(name, services.get(name) ?? []);
    version.update(`${name}\0${serviceHashes.get(name) ?? ''}\n`);
  }
  return Object.freeze({
    services: new FrozenMap(ordered),
    observedAt,
    changed: Object.freeze([...new Set(changed)].sort()),
    version: version.digest('hex').slice(0, 16),
  });
}

/** A ReadonlyMap that really is read-only at run time, not just in the type system. */
class FrozenMap<K, V> implements ReadonlyMap<K, V> {
  readonly #map: Map<K, V>;

  constructor(map: Map<K, V>) {
    this.#map = map;
    Object.freeze(this);
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  forEach(callback: (value: V, key: K, map: ReadonlyMap<K, V>) => void, thisArg?: unknown): void {
    this.#map.forEach((value, key) => callback.call(thisArg, value, key, this));
  }

  entries(): MapIterator<[K, V]> {
    return this.#map.entries();
  }

  keys(): MapIterator<K> {
    return this.#map.keys();
  }

  values(): MapIterator<V> {
    return this.#map.values();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#map[Symbol.iterator]();
  }
}
