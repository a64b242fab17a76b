import type { CheckState } from './health-state';

/**
 * One answer of `/v1/health/state/any`, indexed for comparison with the next: a digest of the
 * checks of each service and of each node's own checks, and the raft indexes at which the
 * current checks were created or last modified.
 */
export class ChecksView {
  private constructor(
    private readonly digests: Digests,
    /** The X-Consul-Index of the answer: the checks table's index when it was read. */
    readonly index: bigint,
  ) {}

  static of(checks: readonly CheckState[], index: bigint): ChecksView {
    const digests: Digests = { services: new Map(), nodes: new Map(), servicesByNode: new Map(), indexes: new Set(), checks: new Set() };
    for (const check of checks) {
      // ModifyIndex is part of the digest: any write to a check, even one whose status stays
      // the same (tags copied from a re-registered service), makes its service worth a refetch.
      const line = `${check.node}\0${check.checkId}\0${check.serviceId}\0${check.status}\0${check.modifyIndex}\n`;
      if (check.serviceName === '') {
        digests.nodes.set(check.node, (digests.nodes.get(check.node) ?? '') + line);
      } else {
        digests.services.set(check.serviceName, (digests.services.get(check.serviceName) ?? '') + line);
        let onNode = digests.servicesByNode.get(check.node);
        if (!onNode) digests.servicesByNode.set(check.node, (onNode = new Set()));
        onNode.add(check.serviceName);
      }
      digests.checks.add(`${check.node}\0${check.checkId}`);
      digests.indexes.add(check.createIndex);
      digests.indexes.add(check.modifyIndex);
    }
    return new ChecksView(digests, index);
  }

  /** The same checks, read again at a later index without a change. */
  at(index: bigint): ChecksView {
    return new ChecksView(this.digests, index);
  }

  /** Whether some check was created or last modified by the raft write at `index`. */
  carries(index: bigint): boolean {
    return index <= BigInt(Number.MAX_SAFE_INTEGER) && this.digests.indexes.has(Number(index));
  }

  /** Services with a check of their own on `node`. */
  servicesOn(node: string): ReadonlySet<string> {
    return this.digests.servicesByNode.get(node) ?? EMPTY;
  }

  /**
   * Services whose checks differ between the two answers, nodes whose node checks do, and
   * whether any check is gone (the trace a deregistration leaves).
   */
  static changes(before: ChecksView, after: ChecksView): { services: Set<string>; nodes: Set<string>; removed: boolean } {
    let removed = false;
    for (const check of before.digests.checks) if (!after.digests.checks.has(check)) removed = true;
    return {
      services: differing(before.digests.services, after.digests.services),
      nodes: differing(before.digests.nodes, after.digests.nodes),
      removed,
    };
  }
}

interface Digests {
  /** Service → the lines of its checks. */
  readonly services: Map<string, string>;
  /** Node → the lines of its node checks. */
  readonly nodes: Map<string, string>;
  readonly servicesByNode: Map<string, Set<string>>;
  /** CreateIndex and ModifyIndex of every check. */
  readonly indexes: Set<number>;
  /** node\0checkId of every check. */
  readonly checks: Set<string>;
}

const EMPTY: ReadonlySet<string> = new Set();

function differing(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const [key, digest] of a) if (b.get(key) !== digest) out.add(key);
  for (const key of b.keys()) if (!a.has(key)) out.add(key);
  return out;
}
