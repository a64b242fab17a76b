import { createHash } from 'node:crypto';

/** Anything that has a name and a per-resource version; a Resource qualifies. */
export interface NamedVersion {
  readonly name: string;
  readonly version: string;
}

/**
 * The version string of a set of resources: a hash of the sorted (name, version) pairs.
 * It depends on nothing but the content, so every replica, and every restart, gives the same
 * content the same version, and the order the caller lists them in does not matter.
 */
export function contentVersion(resources: Iterable<NamedVersion>): string {
  const pairs = Array.from(resources, (r): [string, string] => [r.name, r.version]).sort(([a], [b]) => compareNames(a, b));
  // JSON keeps the encoding unambiguous whatever characters the names contain.
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex').slice(0, 16);
}

/** Code-unit order: unlike localeCompare it is the same on every machine and locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
