import { JsonShape } from './json-shape';

/**
 * Consul intentions as a second source of `allowedCallers`. `/v1/connect/intentions` answers
 * blocking queries, so a BlockingQuery with `parseIntentions` follows it like any other watch.
 * Intentions are resolved against the services the catalog knows into an explicit allow list
 * per destination, which rbac.translator.ts turns into the same RBAC filter the DSL produces.
 */

export const INTENTIONS_PATH = '/v1/connect/intentions';

const WILDCARD = '*';

export interface Intention {
  /** A service name or `*`. */
  readonly source: string;
  readonly destination: string;
  /** `l7`: the intention carries HTTP permissions instead of one action. */
  readonly action: 'allow' | 'deny' | 'l7';
  /** Consul's: 9 exact→exact, 8 *→exact, 6 exact→*, 5 *→*. The highest matching one decides. */
  readonly precedence: number;
}

/**
 * Reads a `/v1/connect/intentions` answer. Intentions from peered clusters or other
 * namespaces or partitions cannot name a caller of this mesh and are left out.
 */
export function parseIntentions(body: unknown, path: string): readonly Intention[] {
  const shape = new JsonShape(path);
  const intentions: Intention[] = [];
  shape.array(body ?? [], '').forEach((raw, i) => {
    const at = `[${i}]`;
    const entry = shape.object(raw, at);
    if (shape.optionalString(entry.SourcePeer, `${at}.SourcePeer`) !== '') return;
    if (shape.optionalString(entry.SourceType, `${at}.SourceType`) !== 'consul') return;
    for (const field of ['SourceNS', 'DestinationNS', 'SourcePartition', 'DestinationPartition'] as const) {
      if (!['', 'default'].includes(shape.optionalString(entry[field], `${at}.${field}`))) return;
    }
    const permissions = entry.Permissions === undefined || entry.Permissions === null ? [] : shape.array(entry.Permissions, `${at}.Permissions`);
    const action = permissions.length > 0 ? 'l7' : shape.string(entry.Action, `${at}.Action`);
    if (action !== 'allow' && action !== 'deny' && action !== 'l7') throw shape.error(`${at}.Action`, '"allow" or "deny"', action);
    intentions.push(
      Object.freeze({
        source: shape.string(entry.SourceName, `${at}.SourceName`),
        destination: shape.string(entry.DestinationName, `${at}.DestinationName`),
        action,
        precedence: shape.integer(entry.Precedence, `${at}.Precedence`),
      }),
    );
  });
  intentions.sort((a, b) => b.precedence - a.precedence || compare(a.destination, b.destination) || compare(a.source, b.source));
  return Object.freeze(intentions);
}

export interface IntentionDecision {
  /** Undefined: no intention restricts this destination and the default allows, so no RBAC filter is needed. */
  readonly allowedCallers: readonly string[] | undefined;
  /** L7 intentions that decided for a caller: not enforced per path or method here, so that caller is denied (fail closed). */
  readonly unsupported: readonly Intention[];
}

/**
 * The callers of `destination` that the intentions allow, out of `callers` (the mesh's
 * services). For each caller the most precise matching intention decides; with none, the
 * default does: allow when Consul's ACL default policy is allow (dev agents, ACLs off), deny
 * otherwise, as Consul itself decides.
 */
export function allowedCallersFromIntentions(
  intentions: readonly Intention[],
  destination: string,
  callers: Iterable<string>,
  options: { defaultAllow?: boolean } = {},
): IntentionDecision {
  const defaultAllow = options.defaultAllow ?? true;
  const relevant = intentions.filter((i) => i.destination === destination || i.destination === WILDCARD);
  if (defaultAllow && relevant.every((i) => i.action === 'allow')) return { allowedCallers: undefined, unsupported: [] };
  const allowed: string[] = [];
  const unsupported = new Set<Intention>();
  for (const caller of [...new Set(callers)].sort()) {
    // `relevant` keeps parseIntentions' order, highest precedence first.
    const decider = relevant.find((i) => i.source === caller || i.source === WILDCARD);
    if (decider?.action === 'l7') unsupported.add(decider);
    if (decider ? decider.action === 'allow' : defaultAllow) allowed.push(caller);
  }
  return { allowedCallers: Object.freeze(allowed), unsupported: Object.freeze([...unsupported]) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
