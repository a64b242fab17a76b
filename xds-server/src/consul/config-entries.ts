import { durationMs, type HeaderModifiers, headerModifiers, optional, optionalInteger, unsupportedFields } from './entry-fields';
import { type IngressGatewayEntry, parseIngressGateway } from './ingress-gateway-entry';
import { type JsonObject, JsonShape } from './json-shape';
import { parseUpstreamConfig, type UpstreamConfig } from './upstream-config';

/**
 * Consul's L7 config entries, read from `/v1/config/<kind>` (README, "Coming from Consul
 * Connect"). Each parser keeps the fields this control plane serves and lists every other
 * field an entry sets in `unsupported`, so an operator learns what is ignored instead of
 * finding out from traffic.
 */

export const CONFIG_ENTRY_KINDS = ['proxy-defaults', 'service-defaults', 'service-resolver', 'service-splitter', 'service-router', 'ingress-gateway'] as const;
export type ConfigEntryKind = (typeof CONFIG_ENTRY_KINDS)[number];

export function configEntriesPath(kind: ConfigEntryKind): string {
  return `/v1/config/${kind}`;
}

export type { HeaderModifiers } from './entry-fields';

/** Where a resolver, split or route sends traffic; undefined parts mean "the entry's own service" and "its default subset". */
export interface EntryTarget {
  readonly service: string | undefined;
  readonly subset: string | undefined;
}

export interface EntryBase {
  /** `<kind>/<name>`, as `consul config read` names it. */
  readonly source: string;
  readonly name: string;
  readonly unsupported: readonly string[];
}

export interface DefaultsEntry extends EntryBase {
  readonly kind: 'service-defaults' | 'proxy-defaults';
  readonly protocol: string | undefined;
  /** service-defaults only: how this service's sidecar connects to its upstreams. */
  readonly upstreamConfig?: UpstreamConfig;
  /** How the sidecar reaches its own app: connect timeout, and the timeout of a request to it (0 or unset: Envoy's default). */
  readonly localConnectTimeoutMs?: number;
  readonly localRequestTimeoutMs?: number;
}

export interface ResolverEntry extends EntryBase {
  readonly kind: 'service-resolver';
  readonly defaultSubset: string | undefined;
  readonly subsets: ReadonlyArray<{ readonly name: string; readonly filter: string; readonly onlyPassing: boolean }>;
  readonly connectTimeoutMs: number | undefined;
  readonly requestTimeoutMs: number | undefined;
  readonly redirect: EntryTarget | undefined;
  /** By subset name, `*` for any; each in the order Consul tries them. */
  readonly failover: ReadonlyArray<{ readonly subset: string; readonly targets: readonly EntryTarget[] }>;
}

export interface SplitterEntry extends EntryBase {
  readonly kind: 'service-splitter';
  readonly splits: ReadonlyArray<EntryTarget & { readonly weight: number; readonly requestHeaders: HeaderModifiers | undefined }>;
}

export interface RouteMatchEntry {
  readonly path: { readonly kind: 'exact' | 'prefix' | 'regex'; readonly value: string } | undefined;
  readonly headers: ReadonlyArray<{ readonly name: string; readonly kind: 'exact' | 'prefix' | 'suffix' | 'regex' | 'present'; readonly value: string; readonly invert: boolean }>;
  readonly queryParams: ReadonlyArray<{ readonly name: string; readonly kind: 'exact' | 'regex' | 'present'; readonly value: string }>;
  readonly methods: readonly string[];
}

export interface RouteDestinationEntry extends EntryTarget {
  readonly prefixRewrite: string | undefined;
  readonly requestTimeoutMs: number | undefined;
  readonly numRetries: number;
  readonly retryOnConnectFailure: boolean;
  readonly retryOnStatusCodes: readonly number[];
  /** Envoy retry_on conditions, as Consul passes them through. */
  readonly retryOn: readonly string[];
  readonly requestHeaders: HeaderModifiers | undefined;
}

export interface RouterEntry extends EntryBase {
  readonly kind: 'service-router';
  readonly routes: ReadonlyArray<{ readonly match: RouteMatchEntry; readonly destination: RouteDestinationEntry }>;
}

/** What every watched kind says, by entry name; an absent kind is empty. */
export interface ConsulConfigEntries {
  readonly proxyDefaults: DefaultsEntry | undefined;
  readonly serviceDefaults: ReadonlyMap<string, DefaultsEntry>;
  readonly resolvers: ReadonlyMap<string, ResolverEntry>;
  readonly splitters: ReadonlyMap<string, SplitterEntry>;
  readonly routers: ReadonlyMap<string, RouterEntry>;
  /** By gateway service name. */
  readonly ingressGateways: ReadonlyMap<string, IngressGatewayEntry>;
}

export const NO_CONFIG_ENTRIES: ConsulConfigEntries = {
  proxyDefaults: undefined,
  serviceDefaults: new Map(),
  resolvers: new Map(),
  splitters: new Map(),
  routers: new Map(),
  ingressGateways: new Map(),
};

export type ConfigEntry = DefaultsEntry | ResolverEntry | SplitterEntry | RouterEntry | IngressGatewayEntry;

function target(shape: JsonShape, value: unknown, at: string): EntryTarget {
  const object = shape.object(value, at);
  return { service: optional(shape, object.Service, `${at}.Service`), subset: optional(shape, object.ServiceSubset, `${at}.ServiceSubset`) };
}

function parseDefaults(shape: JsonShape, entry: JsonObject, at: string, kind: 'service-defaults' | 'proxy-defaults'): DefaultsEntry {
  const name = shape.string(entry.Name, `${at}.Name`);
  if (kind === 'service-defaults') {
    const label = `${kind}/${name}: `;
    const unsupported = unsupportedFields(entry, ['Protocol', 'UpstreamConfig', 'LocalConnectTimeoutMs', 'LocalRequestTimeoutMs'], label);
    const upstreamConfig = parseUpstreamConfig(shape, entry.UpstreamConfig, `${at}.UpstreamConfig`, `${label}UpstreamConfig.`, unsupported);
    return {
      kind,
      name,
      source: `${kind}/${name}`,
      protocol: optional(shape, entry.Protocol, `${at}.Protocol`),
      ...(upstreamConfig ? { upstreamConfig } : {}),
      ...localTimeouts(shape, entry.LocalConnectTimeoutMs, entry.LocalRequestTimeoutMs, `${at}.LocalConnectTimeoutMs`, `${at}.LocalRequestTimeoutMs`),
      unsupported,
    };
  }
  const config = entry.Config === undefined || entry.Config === null ? {} : shape.object(entry.Config, `${at}.Config`);
  const protocol = config.protocol === undefined ? undefined : shape.string(config.protocol, `${at}.Config.protocol`);
  const served = ['protocol', 'local_connect_timeout_ms', 'local_request_timeout_ms'];
  return {
    kind,
    name,
    source: `${kind}/${name}`,
    protocol,
    ...localTimeouts(shape, config.local_connect_timeout_ms, config.local_request_timeout_ms, `${at}.Config.local_connect_timeout_ms`, `${at}.Config.local_request_timeout_ms`),
    unsupported: [...unsupportedFields(entry, ['Config'], `${kind}/${name}: `), ...Object.keys(config).filter((k) => !served.includes(k)).map((k) => `${kind}/${name}: Config.${k}`)],
  };
}

function localTimeouts(shape: JsonShape, connect: unknown, request: unknown, connectAt: string, requestAt: string): Pick<DefaultsEntry, 'localConnectTimeoutMs' | 'localRequestTimeoutMs'> {
  const connectMs = optionalInteger(shape, connect, connectAt);
  const requestMs = optionalInteger(shape, request, requestAt);
  return { ...(connectMs ? { localConnectTimeoutMs: connectMs } : {}), ...(requestMs ? { localRequestTimeoutMs: requestMs } : {}) };
}

function parseResolver(shape: JsonShape, entry: JsonObject, at: string): ResolverEntry {
  const name = shape.string(entry.Name, `${at}.Name`);
  const source = `service-resolver/${name}`;
  const subsetsObject = entry.Subsets === undefined || entry.Subsets === null ? {} : shape.object(entry.Subsets, `${at}.Subsets`);
  const subsets = Object.keys(subsetsObject)
    .sort()
    .map((subset) => {
      const s = shape.object(subsetsObject[subset], `${at}.Subsets.${subset}`);
      return { name: subset, filter: shape.optionalString(s.Filter, `${at}.Subsets.${subset}.Filter`), onlyPassing: s.OnlyPassing === true };
    });
  const failoverObject = entry.Failover === undefined || entry.Failover === null ? {} : shape.object(entry.Failover, `${at}.Failover`);
  const unsupported = unsupportedFields(entry, ['DefaultSubset', 'Subsets', 'ConnectTimeout', 'RequestTimeout', 'Redirect', 'Failover'], `${source}: `);
  const failover = Object.keys(failoverObject)
    .sort()
    .map((subset) => {
      const f = shape.object(failoverObject[subset], `${at}.Failover.${subset}`);
      unsupported.push(...unsupportedFields(f, ['Service', 'ServiceSubset', 'Targets'], `${source}: Failover.${subset}.`));
      const targets =
        f.Targets === undefined || f.Targets === null
          ? [target(shape, f, `${at}.Failover.${subset}`)]
          : shape.array(f.Targets, `${at}.Failover.${subset}.Targets`).map((t, i) => target(shape, t, `${at}.Failover.${subset}.Targets[${i}]`));
      return { subset, targets };
    });
  const redirect = entry.Redirect === undefined || entry.Redirect === null ? undefined : target(shape, entry.Redirect, `${at}.Redirect`);
  if (entry.Redirect) unsupported.push(...unsupportedFields(shape.object(entry.Redirect, `${at}.Redirect`), ['Service', 'ServiceSubset'], `${source}: Redirect.`));
  return {
    kind: 'service-resolver',
    name,
    source,
    defaultSubset: optional(shape, entry.DefaultSubset, `${at}.DefaultSubset`),
    subsets,
    connectTimeoutMs: durationMs(shape, entry.ConnectTimeout, `${at}.ConnectTimeout`),
    requestTimeoutMs: durationMs(shape, entry.RequestTimeout, `${at}.RequestTimeout`),
    redirect: redirect && (redirect.service || redirect.subset) ? redirect : undefined,
    failover,
    unsupported,
  };
}

function parseSplitter(shape: JsonShape, entry: JsonObject, at: string): SplitterEntry {
  const name = shape.string(entry.Name, `${at}.Name`);
  const source = `service-splitter/${name}`;
  const unsupported = unsupportedFields(entry, ['Splits'], `${source}: `);
  const splits = shape.array(entry.Splits ?? [], `${at}.Splits`).map((raw, i) => {
    const split = shape.object(raw, `${at}.Splits[${i}]`);
    unsupported.push(...unsupportedFields(split, ['Weight', 'Service', 'ServiceSubset', 'RequestHeaders'], `${source}: Splits[${i}].`));
    const weight = split.Weight;
    if (typeof weight !== 'number' || weight < 0 || weight > 100) throw shape.error(`${at}.Splits[${i}].Weight`, 'a number from 0 to 100', weight);
    return { ...target(shape, split, `${at}.Splits[${i}]`), weight, requestHeaders: headerModifiers(shape, split.RequestHeaders, `${at}.Splits[${i}].RequestHeaders`) };
  });
  return { kind: 'service-splitter', name, source, splits, unsupported };
}

function parseMatch(shape: JsonShape, value: unknown, at: string, unsupported: string[], label: string): RouteMatchEntry {
  const match = value === undefined || value === null ? {} : shape.object(value, at);
  const http = match.HTTP === undefined || match.HTTP === null ? {} : shape.object(match.HTTP, `${at}.HTTP`);
  unsupported.push(...unsupportedFields(http, ['PathExact', 'PathPrefix', 'PathRegex', 'Header', 'QueryParam', 'Methods'], `${label}Match.HTTP.`));
  const exact = optional(shape, http.PathExact, `${at}.HTTP.PathExact`);
  const prefix = optional(shape, http.PathPrefix, `${at}.HTTP.PathPrefix`);
  const regex = optional(shape, http.PathRegex, `${at}.HTTP.PathRegex`);
  const headers = shape.array(http.Header ?? [], `${at}.HTTP.Header`).map((raw, i) => {
    const h = shape.object(raw, `${at}.HTTP.Header[${i}]`);
    const hat = `${at}.HTTP.Header[${i}]`;
    const invert = h.Invert === true;
    const name = shape.string(h.Name, `${hat}.Name`);
    if (h.Present === true) return { name, kind: 'present' as const, value: '', invert };
    for (const kind of ['Exact', 'Prefix', 'Suffix', 'Regex'] as const) {
      const v = optional(shape, h[kind], `${hat}.${kind}`);
      if (v !== undefined) return { name, kind: kind.toLowerCase() as 'exact' | 'prefix' | 'suffix' | 'regex', value: v, invert };
    }
    throw shape.error(hat, 'a header match with Present, Exact, Prefix, Suffix or Regex', raw);
  });
  const queryParams = shape.array(http.QueryParam ?? [], `${at}.HTTP.QueryParam`).map((raw, i) => {
    const q = shape.object(raw, `${at}.HTTP.QueryParam[${i}]`);
    const qat = `${at}.HTTP.QueryParam[${i}]`;
    const name = shape.string(q.Name, `${qat}.Name`);
    if (q.Present === true) return { name, kind: 'present' as const, value: '' };
    const regexValue = optional(shape, q.Regex, `${qat}.Regex`);
    if (regexValue !== undefined) return { name, kind: 'regex' as const, value: regexValue };
    return { name, kind: 'exact' as const, value: shape.optionalString(q.Exact, `${qat}.Exact`) };
  });
  return {
    path: exact !== undefined ? { kind: 'exact', value: exact } : prefix !== undefined ? { kind: 'prefix', value: prefix } : regex !== undefined ? { kind: 'regex', value: regex } : undefined,
    headers,
    queryParams,
    methods: shape.stringList(http.Methods, `${at}.HTTP.Methods`),
  };
}

function parseRouter(shape: JsonShape, entry: JsonObject, at: string): RouterEntry {
  const name = shape.string(entry.Name, `${at}.Name`);
  const source = `service-router/${name}`;
  const unsupported = unsupportedFields(entry, ['Routes'], `${source}: `);
  const routes = shape.array(entry.Routes ?? [], `${at}.Routes`).map((raw, i) => {
    const route = shape.object(raw, `${at}.Routes[${i}]`);
    const rat = `${at}.Routes[${i}]`;
    const label = `${source}: Routes[${i}].`;
    const d = route.Destination === undefined || route.Destination === null ? {} : shape.object(route.Destination, `${rat}.Destination`);
    unsupported.push(
      ...unsupportedFields(d, ['Service', 'ServiceSubset', 'PrefixRewrite', 'RequestTimeout', 'NumRetries', 'RetryOnConnectFailure', 'RetryOnStatusCodes', 'RetryOn', 'RequestHeaders'], `${label}Destination.`),
    );
    const numRetries = d.NumRetries === undefined || d.NumRetries === null ? 0 : shape.integer(d.NumRetries, `${rat}.Destination.NumRetries`);
    return {
      match: parseMatch(shape, route.Match, `${rat}.Match`, unsupported, label),
      destination: {
        ...target(shape, d, `${rat}.Destination`),
        prefixRewrite: optional(shape, d.PrefixRewrite, `${rat}.Destination.PrefixRewrite`),
        requestTimeoutMs: durationMs(shape, d.RequestTimeout, `${rat}.Destination.RequestTimeout`),
        numRetries,
        retryOnConnectFailure: d.RetryOnConnectFailure === true,
        retryOnStatusCodes: d.RetryOnStatusCodes === undefined || d.RetryOnStatusCodes === null ? [] : shape.array(d.RetryOnStatusCodes, `${rat}.Destination.RetryOnStatusCodes`).map((c, j) => shape.integer(c, `${rat}.Destination.RetryOnStatusCodes[${j}]`)),
        retryOn: shape.stringList(d.RetryOn, `${rat}.Destination.RetryOn`),
        requestHeaders: headerModifiers(shape, d.RequestHeaders, `${rat}.Destination.RequestHeaders`),
      },
    };
  });
  return { kind: 'service-router', name, source, routes, unsupported };
}

/** Reads a `/v1/config/<kind>` answer; entries of other namespaces or partitions are left out. */
export function parseConfigEntries(kind: ConfigEntryKind, body: unknown, path: string): readonly ConfigEntry[] {
  const shape = new JsonShape(path);
  const entries: ConfigEntry[] = [];
  shape.array(body ?? [], '').forEach((raw, i) => {
    const at = `[${i}]`;
    const entry = shape.object(raw, at);
    for (const field of ['Namespace', 'Partition'] as const) if (!['', 'default'].includes(shape.optionalString(entry[field], `${at}.${field}`))) return;
    switch (kind) {
      case 'proxy-defaults':
      case 'service-defaults':
        entries.push(parseDefaults(shape, entry, at, kind));
        break;
      case 'service-resolver':
        entries.push(parseResolver(shape, entry, at));
        break;
      case 'service-splitter':
        entries.push(parseSplitter(shape, entry, at));
        break;
      case 'service-router':
        entries.push(parseRouter(shape, entry, at));
        break;
      case 'ingress-gateway':
        entries.push(parseIngressGateway(shape, entry, at));
        break;
    }
  });
  return entries;
}

/** The latest answer of every kind, combined. */
export function combineConfigEntries(byKind: ReadonlyMap<ConfigEntryKind, readonly ConfigEntry[]>): ConsulConfigEntries {
  const all = [...byKind.values()].flat();
  const defaults = all.filter((e): e is DefaultsEntry => e.kind === 'proxy-defaults' || e.kind === 'service-defaults');
  return {
    proxyDefaults: defaults.find((e) => e.kind === 'proxy-defaults' && e.name === 'global'),
    serviceDefaults: new Map(defaults.filter((e) => e.kind === 'service-defaults').map((e) => [e.name, e])),
    resolvers: new Map(all.filter((e): e is ResolverEntry => e.kind === 'service-resolver').map((e) => [e.name, e])),
    splitters: new Map(all.filter((e): e is SplitterEntry => e.kind === 'service-splitter').map((e) => [e.name, e])),
    routers: new Map(all.filter((e): e is RouterEntry => e.kind === 'service-router').map((e) => [e.name, e])),
    ingressGateways: new Map(all.filter((e): e is IngressGatewayEntry => e.kind === 'ingress-gateway').map((e) => [e.name, e])),
  };
}
