import { createHash } from 'node:crypto';
import { type CaRoot, type CaRoots, type LeafCert, parseSpiffeId } from './connect-ca';

/**
 * The certificates to serve at one moment: the whole trust bundle and one leaf per mesh
 * service. Immutable; a leaf that did not change is the very same object in the next
 * snapshot, so consumers can skip re-encoding it by reference.
 */
export interface ConnectCaSnapshot {
  readonly trustDomain: string;
  readonly activeRootId: string;
  /** Every root Consul lists, sorted by id: during a rotation the old and the new root are both trusted. */
  readonly roots: readonly CaRoot[];
  /** Service → its current leaf, in service order. A service whose leaf was never read is absent. */
  readonly leaves: ReadonlyMap<string, LeafCert>;
  /** The local agent's datacenter, read from the leaves' SPIFFE IDs; undefined while there are none. */
  readonly datacenter: string | undefined;
  /** The trust bundle changed (always true in the first snapshot). */
  readonly rootsChanged: boolean;
  /** Services whose leaf was added, renewed or removed since the previous snapshot (all of them in the first). */
  readonly changedLeaves: readonly string[];
  /** Epoch ms when the earliest change carried by this snapshot was seen in an answer from Consul. */
  readonly observedAt: number;
  /** Content hash over roots and leaves: equal content, equal version, on every replica. */
  readonly version: string;
}

export function buildCaSnapshot(
  roots: CaRoots,
  leaves: ReadonlyMap<string, LeafCert>,
  change: { rootsChanged: boolean; changedLeaves: Iterable<string>; observedAt: number },
): ConnectCaSnapshot {
  const ordered = new Map<string, LeafCert>();
  const version = createHash('sha256');
  version.update(`${roots.trustDomain}\0${roots.activeRootId}\n`);
  for (const root of roots.roots) version.update(`root\0${root.id}\0${root.serialNumber}\0${root.active}\0${root.rootCertPem}\n`);
  for (const service of [...leaves.keys()].sort()) {
    const leaf = leaves.get(service) as LeafCert;
    ordered.set(service, leaf);
    version.update(`leaf\0${service}\0${leaf.serialNumber}\0${leaf.certChainPem}\n`);
  }
  return Object.freeze({
    trustDomain: roots.trustDomain,
    activeRootId: roots.activeRootId,
    roots: roots.roots,
    leaves: ordered as ReadonlyMap<string, LeafCert>,
    datacenter: datacenterOf(ordered.values()),
    rootsChanged: change.rootsChanged,
    changedLeaves: Object.freeze([...new Set(change.changedLeaves)].sort()),
    observedAt: change.observedAt,
    version: version.digest('hex').slice(0, 16),
  });
}

function datacenterOf(leaves: Iterable<LeafCert>): string | undefined {
  for (const leaf of leaves) {
    const id = parseSpiffeId(leaf.serviceUri);
    if (id) return id.datacenter;
  }
  return undefined;
}
