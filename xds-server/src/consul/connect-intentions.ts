import { JsonShape } from './json-shape';

/**
 * Consul intentions as a second source of `allowedCallers`. `/v1/connect/intentions` answers
 * blocking queries, so a BlockingQuery with `parseIntentions` follows it like any other watch.
 * Intentions are resolved against the services the catalog knows into an explicit allow list
 * per destination, plus per-request HTTP permissions for the callers an L7 intention decides
 * for, which rbac.translator.ts turns into the same RBAC filter the DSL produces.
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
  /** With `l7`: the HTTP permissions, in Consul's order; the first that matches a request decides it. */
  readonly permissions: readonly IntentionPermission[];
}

/** One entry of an L7 intention's `Permissions`. */
export interface IntentionPermission {
  readonly action: 'allow' | 'deny';
  readonly path: { readonly kind: 'exact' | 'prefix' | 'regex'; readonly value: string } | undefined;
  /** Empty: any method. */
  readonly methods: readonly string[];
  readonly headers: readonly IntentionHeader[];
}

export interface IntentionHeader {
  readonly name: string;
  readonly match: { readonly kind: 'present' } | { readonly kind: 'exact' | 'prefix' | 'suffix' | 'regex'; readonly value: string };
  readonly invert: boolean;
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
    const rawPermissions = entry.Permissions === undefined || entry.Permissions === null ? [] : shape.array(entry.Permissions, `${at}.Permissions`);
    const permissions = rawPermissions.map((raw, j) => parsePermission(shape, raw, `${at}.Permissions[${j}]`));
    const action = permissions.length > 0 ? 'l7' : shape.string(entry.Action, `${at}.Action`);
    if (action !== 'allow' && action !== 'deny' && action !== 'l7') throw shape.error(`${at}.Action`, '"allow" or "deny"', action);
    intentions.push(
      Object.freeze({
        source: shape.string(entry.SourceName, `${at}.SourceName`),
        destination: shape.string(entry.DestinationName, `${at}.DestinationName`),
        action,
        precedence: shape.integer(entry.Precedence, `${at}.Precedence`),
        permissions: Object.freeze(permissions),
      }),
    );
  });
  intentions.sort((a, b) => b.precedence - a.precedence || compare(a.destination, b.destination) || compare(a.source, b.source));
  return Object.freeze(intentions);
}

function parsePermission(shape: JsonShape, raw: unknown, at: string): IntentionPermission {
  const entry = shape.object(raw, at);
  const action = shape.string(entry.Action, `${at}.Action`);
  if (action !== 'allow' && action !== 'deny') throw shape.error(`${at}.Action`, '"allow" or "deny"', action);
  const http = entry.HTTP === undefined || entry.HTTP === null ? {} : shape.object(entry.HTTP, `${at}.HTTP`);
  const exact = shape.optionalString(http.PathExact, `${at}.HTTP.PathExact`);
  const prefix = shape.optionalString(http.PathPrefix, `${at}.HTTP.PathPrefix`);
  const regex = shape.optionalString(http.PathRegex, `${at}.HTTP.PathRegex`);
  const path = exact ? ({ kind: 'exact', value: exact } as const) : prefix ? ({ kind: 'prefix', value: prefix } as const) : regex ? ({ kind: 'regex', value: regex } as const) : undefined;
  const headers = (http.Header === undefined || http.Header === null ? [] : shape.array(http.Header, `${at}.HTTP.Header`)).map((h, k): IntentionHeader => {
    const hat = `${at}.HTTP.Header[${k}]`;
    const header = shape.object(h, hat);
    const name = shape.string(header.Name, `${hat}.Name`);
    const invert = header.Invert === true;
    for (const kind of ['Exact', 'Prefix', 'Suffix', 'Regex'] as const) {
      const value = shape.optionalString(header[kind], `${hat}.${kind}`);
      if (value) return { name, invert, match: { kind: kind.toLowerCase() as 'exact' | 'prefix' | 'suffix' | 'regex', value } };
    }
    return { name, invert, match: { kind: 'present' } };
  });
  return Object.freeze({ action, path, methods: shape.stringList(http.Methods, `${at}.HTTP.Methods`), headers: Object.freeze(headers) });
}

export interface IntentionDecision {
  /** Undefined: no intention restricts this destination and the default allows, so no RBAC filter is needed. */
  readonly allowedCallers: readonly string[] | undefined;
  /** Callers an L7 intention decides for: let in at L4, each request then judged by these permissions. */
  readonly l7: ReadonlyMap<string, readonly IntentionPermission[]>;
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
  if (defaultAllow && relevant.every((i) => i.action === 'allow')) return { allowedCallers: undefined, l7: new Map() };
  const allowed: string[] = [];
  const l7 = new Map<string, readonly IntentionPermission[]>();
  for (const caller of [...new Set(callers)].sort()) {
    // `relevant` keeps parseIntentions' order, highest precedence first.
    const decider = relevant.find((i) => i.source === caller || i.source === WILDCARD);
    if (decider?.action === 'l7') l7.set(caller, decider.permissions);
    if (decider ? decider.action !== 'deny' : defaultAllow) allowed.push(caller);
  }
  return { allowedCallers: Object.freeze(allowed), l7 };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
