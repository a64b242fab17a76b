import type { ConsulConfigEntries, EntryTarget, HeaderModifiers, RouterEntry } from '../consul/config-entries';
import type { ServiceModel, ServiceProtocol } from './model';
import { ANY_SERVICE, type CallerUpstreamsModel, type HttpMethod, type LocalTimeoutsModel, type MeshConfigModel, type RouteModel, type SubsetModel, type TrafficPolicyModel, type WeightedTargetModel } from './policy-model';
import { parseSubsetFilter } from './subset-filter';
import { upstreamOverride } from './caller-upstreams';

/**
 * Consul's config entries on top of mesh.config.ts, by one rule (README, "Config entries and
 * mesh.config.ts"): for each part of a destination's policy, a config entry that sets it wins,
 * and where mesh.config.ts sets the same part too the overlap is reported with both sources
 * named. The parts:
 *   subsets, connect timeout,    service-resolver (Subsets, ConnectTimeout, Failover)
 *   failover
 *   the default route's target   service-splitter (Splits), else the resolver's DefaultSubset or Redirect
 *   the routes before it         service-router (Routes)
 *   protocol                     service-defaults, then the registration's meta/tag, then proxy-defaults
 *   local app timeouts           service-defaults (LocalConnectTimeoutMs, LocalRequestTimeoutMs), then proxy-defaults
 * A caller's UpstreamConfig (service-defaults of the caller) shapes that caller's calls only.
 * Everything else (retries and timeouts of the default route, circuit breaker, outlier
 * detection, balancer, mTLS, callers) stays with mesh.config.ts.
 */

export type PolicyPart = 'subsets' | 'connectTimeout' | 'split' | 'routes' | 'protocol' | 'failover' | 'localTimeouts';

export const DSL_SOURCE = 'mesh.config.ts';

export interface ConfigEntriesOutcome {
  /** mesh.config.ts's model with the entries applied; undefined when there is neither. */
  readonly config: MeshConfigModel | undefined;
  /** Where each part of a destination's policy comes from, for every destination something sets. */
  readonly origins: ReadonlyMap<string, Readonly<Partial<Record<PolicyPart, string>>>>;
  /** Overlaps, fields not served and references that lead nowhere; each names its sources. */
  readonly problems: readonly string[];
}

const PROTOCOLS: readonly ServiceProtocol[] = ['http', 'http2', 'grpc', 'tcp'];
const METHODS: readonly HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

export function isServiceProtocol(value: string | undefined): value is ServiceProtocol {
  return value !== undefined && (PROTOCOLS as readonly string[]).includes(value);
}

const catchAll: RouteModel = { path: { kind: 'prefix', value: '/' }, headers: [], methods: [], rewritePrefix: undefined, split: [], retries: undefined, timeoutMs: undefined, idleTimeoutMs: undefined, fault: undefined };

/** What a destination the DSL does not declare gets: the same as no policy at all. */
export function emptyPolicy(service: string): TrafficPolicyModel {
  return { service, subsets: [], routes: [catchAll], connectTimeoutMs: undefined, circuitBreaker: undefined, retryBudget: undefined, outlierDetection: undefined, loadBalancer: 'round_robin', mtls: 'off', allowedCallers: undefined, failover: [] };
}

function modifiers(headers: HeaderModifiers | undefined): Pick<WeightedTargetModel, 'requestHeaders'> {
  return headers ? { requestHeaders: { add: headers.add, set: headers.set, remove: headers.remove } } : {};
}

class Compiler {
  readonly problems: string[] = [];
  readonly origins = new Map<string, Partial<Record<PolicyPart, string>>>();
  private readonly subsets = new Map<string, readonly SubsetModel[]>();

  constructor(
    private readonly dsl: MeshConfigModel | undefined,
    private readonly entries: ConsulConfigEntries,
  ) {}

  compile(): MeshConfigModel | undefined {
    const names = [...new Set([...this.entries.resolvers.keys(), ...this.entries.splitters.keys(), ...this.entries.routers.keys()])].sort();
    for (const entry of [this.entries.proxyDefaults, ...this.entries.serviceDefaults.values(), ...this.entries.resolvers.values(), ...this.entries.splitters.values(), ...this.entries.routers.values()]) {
      for (const field of entry?.unsupported ?? []) this.problems.push(`${field} is not served by this control plane and is ignored`);
    }
    for (const [name, entry] of this.entries.serviceDefaults) if (entry.protocol !== undefined) this.origin(name, 'protocol', entry.source);
    const callerUpstreams = this.callerUpstreams();
    const localTimeouts = new Map<string, LocalTimeoutsModel>();
    for (const entry of [this.entries.proxyDefaults, ...this.entries.serviceDefaults.values()]) {
      if (entry?.localConnectTimeoutMs === undefined && entry?.localRequestTimeoutMs === undefined) continue;
      localTimeouts.set(entry.kind === 'proxy-defaults' ? ANY_SERVICE : entry.name, { connectTimeoutMs: entry.localConnectTimeoutMs, requestTimeoutMs: entry.localRequestTimeoutMs });
      if (entry.kind === 'service-defaults') this.origin(entry.name, 'localTimeouts', entry.source);
    }
    if (names.length === 0 && callerUpstreams.size === 0 && localTimeouts.size === 0) return this.dsl;
    for (const name of names) this.subsets.set(name, this.resolverSubsets(name));
    const policies = new Map(this.dsl?.policies);
    for (const name of names) policies.set(name, this.policy(name, this.dsl?.policies.get(name)));
    return {
      version: this.dsl?.version ?? 'consul-config-entries',
      upstreams: this.dsl?.upstreams ?? new Map(),
      gateway: this.dsl?.gateway,
      policies,
      ...(callerUpstreams.size > 0 ? { callerUpstreams } : {}),
      ...(localTimeouts.size > 0 ? { localTimeouts } : {}),
    };
  }

  /** Each caller's UpstreamConfig; where mesh.config.ts sets the same part for a destination, the overlap is reported. */
  private callerUpstreams(): Map<string, CallerUpstreamsModel> {
    const byCaller = new Map<string, CallerUpstreamsModel>();
    for (const [caller, entry] of this.entries.serviceDefaults) {
      const config = entry.upstreamConfig;
      if (!config) continue;
      const model: CallerUpstreamsModel = {
        source: entry.source,
        defaults: config.defaults && upstreamOverride(config.defaults),
        overrides: new Map([...config.overrides].map(([name, settings]) => [name, upstreamOverride(settings)])),
      };
      byCaller.set(caller, model);
      for (const [destination, declared] of this.dsl?.policies ?? []) {
        const override = model.overrides.get(destination) ?? model.defaults;
        if (!override) continue;
        const parts = [
          override.connectTimeoutMs !== undefined && declared.connectTimeoutMs !== undefined ? 'timeouts.connect' : undefined,
          override.circuitBreaker && declared.circuitBreaker ? 'circuitBreaker' : undefined,
          override.outlierDetection && declared.outlierDetection ? 'outlierDetection' : undefined,
        ].filter((part): part is string => part !== undefined);
        for (const part of parts) this.problems.push(`${destination}: ${entry.source} (UpstreamConfig) and ${DSL_SOURCE} (services.${destination}.traffic.${part}) both set it; ${entry.source} wins for ${caller}'s calls`);
      }
    }
    return byCaller;
  }

  private origin(service: string, part: PolicyPart, source: string): void {
    const origins = this.origins.get(service) ?? {};
    origins[part] = source;
    this.origins.set(service, origins);
  }

  /** Records that `source` sets `part`, and reports the overlap when the DSL sets it too. */
  private claim(service: string, part: PolicyPart, source: string, dslSets: boolean, dslField: string): void {
    this.origin(service, part, source);
    if (dslSets) this.problems.push(`${service}: ${source} and ${DSL_SOURCE} (services.${service}.traffic.${dslField}) both set ${part}; ${source} wins`);
  }

  private resolverSubsets(name: string): readonly SubsetModel[] {
    const resolver = this.entries.resolvers.get(name);
    if (!resolver || resolver.subsets.length === 0) return this.dsl?.policies.get(name)?.subsets ?? [];
    return resolver.subsets.flatMap((subset) => {
      const parsed = parseSubsetFilter(subset.filter);
      if ('error' in parsed) {
        this.problems.push(`${resolver.source}: subset ${subset.name}: ${parsed.error}; the subset is left out`);
        return [];
      }
      if (subset.onlyPassing) this.problems.push(`${resolver.source}: subset ${subset.name}: OnlyPassing is always in effect here (warning instances are kept at their warning weight)`);
      return [{ name: subset.name, tags: parsed.tags, meta: parsed.meta }];
    });
  }

  private subsetsOf(service: string): readonly SubsetModel[] {
    return this.subsets.get(service) ?? this.dsl?.policies.get(service)?.subsets ?? [];
  }

  /** Where a target lands: a target without a subset takes its service's DefaultSubset or Redirect (one hop, as Consul resolves it). */
  private target(from: string, target: EntryTarget, source: string): Pick<WeightedTargetModel, 'service' | 'subset'> {
    let service = target.service ?? from;
    let subset = target.subset;
    if (subset === undefined) {
      const resolver = this.entries.resolvers.get(service);
      if (resolver?.redirect) {
        service = resolver.redirect.service ?? service;
        subset = resolver.redirect.subset ?? this.entries.resolvers.get(service)?.defaultSubset;
      } else subset = resolver?.defaultSubset;
    }
    if (subset !== undefined && !this.subsetsOf(service).some((s) => s.name === subset)) {
      this.problems.push(`${source}: ${service} has no subset "${subset}" here; its traffic goes to the whole service`);
      subset = undefined;
    }
    return service === from ? { subset } : { service, subset };
  }

  private defaultSplit(name: string, base: TrafficPolicyModel): readonly WeightedTargetModel[] {
    const splitter = this.entries.splitters.get(name);
    const dslSplit = base.routes.at(-1)?.split ?? [];
    if (splitter) {
      this.claim(name, 'split', splitter.source, this.dsl?.policies.get(name) !== undefined && dslSplit.length > 0, 'split');
      // Consul's weights have two decimals (33.33); Envoy's are integers.
      return splitter.splits.map((split) => ({ ...this.target(name, split, splitter.source), weight: Math.round(split.weight * 100), ...modifiers(split.requestHeaders) }));
    }
    const resolver = this.entries.resolvers.get(name);
    if (resolver && (resolver.defaultSubset !== undefined || resolver.redirect)) {
      this.claim(name, 'split', resolver.source, this.dsl?.policies.get(name) !== undefined && dslSplit.length > 0, 'split');
      const target = this.target(name, { service: undefined, subset: undefined }, resolver.source);
      return target.service === undefined && target.subset === undefined ? [] : [{ ...target, weight: 100 }];
    }
    return dslSplit;
  }

  private routerRoute(name: string, router: RouterEntry, route: RouterEntry['routes'][number], defaultSplit: readonly WeightedTargetModel[], idleTimeoutMs: number | undefined): RouteModel {
    const d = route.destination;
    const toOwnDefault = (d.service ?? name) === name && d.subset === undefined && this.entries.splitters.has(name);
    const target = toOwnDefault ? undefined : this.target(name, d, router.source);
    const split = target ? (target.service === undefined && target.subset === undefined ? [] : [{ ...target, weight: 100 }]) : defaultSplit;
    const conditions = [...(d.retryOnConnectFailure ? ['connect-failure'] : []), ...(d.retryOnStatusCodes.length ? ['retriable-status-codes'] : []), ...d.retryOn];
    const retries =
      d.numRetries > 0 || conditions.length > 0
        ? { retryOn: conditions.join(','), numRetries: d.numRetries > 0 ? d.numRetries : 1, perTryTimeoutMs: undefined, backoff: undefined, retriableStatusCodes: d.retryOnStatusCodes, budget: undefined }
        : undefined;
    const methods = route.match.methods.map((m) => m.toUpperCase()).filter((m): m is HttpMethod => (METHODS as readonly string[]).includes(m));
    if (methods.length < route.match.methods.length) this.problems.push(`${router.source}: only the methods ${METHODS.join(', ')} are matched here; the route matches the rest of its methods`);
    return {
      path: route.match.path ?? { kind: 'prefix', value: '/' },
      headers: route.match.headers.map((h) => (h.kind === 'present' ? { name: h.name, kind: 'present', value: true, invert: h.invert } : { name: h.name, kind: h.kind, value: h.value, invert: h.invert })),
      methods,
      queryParams: route.match.queryParams.map((q) => (q.kind === 'present' ? { name: q.name, kind: 'present' } : { name: q.name, kind: q.kind, value: q.value })),
      rewritePrefix: d.prefixRewrite,
      ...(d.requestHeaders ? { requestHeaders: d.requestHeaders } : {}),
      split,
      retries,
      timeoutMs: d.requestTimeoutMs ?? this.entries.resolvers.get(target?.service ?? name)?.requestTimeoutMs,
      idleTimeoutMs,
      fault: undefined,
    };
  }

  private policy(name: string, declared: TrafficPolicyModel | undefined): TrafficPolicyModel {
    const base = declared ?? emptyPolicy(name);
    const resolver = this.entries.resolvers.get(name);
    const router = this.entries.routers.get(name);
    let subsets = base.subsets;
    let connectTimeoutMs = base.connectTimeoutMs;
    if (resolver && resolver.subsets.length > 0) {
      this.claim(name, 'subsets', resolver.source, declared !== undefined && base.subsets.length > 0, 'subsets');
      subsets = this.subsetsOf(name);
    }
    if (resolver?.connectTimeoutMs !== undefined) {
      this.claim(name, 'connectTimeout', resolver.source, declared?.connectTimeoutMs !== undefined, 'timeouts.connect');
      connectTimeoutMs = resolver.connectTimeoutMs;
    }
    const failover = (resolver?.failover ?? []).map((f) => ({
      subset: f.subset,
      targets: f.targets.map((t) => {
        const service = t.service ?? name;
        const subset = t.subset !== undefined && this.subsetsOf(service).some((s) => s.name === t.subset) ? t.subset : undefined;
        if (t.subset !== undefined && subset === undefined) this.problems.push(`${resolver!.source}: failover target ${service} has no subset "${t.subset}" here; its whole service is used`);
        return { service, subset };
      }),
    }));
    if (failover.length > 0) this.origin(name, 'failover', resolver!.source);
    const last = base.routes.at(-1) ?? catchAll;
    const split = this.defaultSplit(name, base);
    const defaultRoute: RouteModel = { ...last, split, timeoutMs: resolver?.requestTimeoutMs ?? last.timeoutMs };
    let routes = [...base.routes.slice(0, -1), defaultRoute];
    if (router) {
      this.claim(name, 'routes', router.source, declared !== undefined && base.routes.length > 1, 'routes');
      routes = [...router.routes.map((route) => this.routerRoute(name, router, route, split, last.idleTimeoutMs)), defaultRoute];
    }
    return { ...base, subsets, connectTimeoutMs, routes, failover };
  }
}

/** Applies the entries to mesh.config.ts's model; see the rule above. */
export function applyConfigEntries(dsl: MeshConfigModel | undefined, entries: ConsulConfigEntries): ConfigEntriesOutcome {
  const compiler = new Compiler(dsl, entries);
  const config = compiler.compile();
  return { config, origins: compiler.origins, problems: compiler.problems };
}

/** The protocol a service is served with: service-defaults, then what its registration declares, then proxy-defaults, then http. */
export function entryProtocol(entries: ConsulConfigEntries, service: ServiceModel): ServiceProtocol {
  const own = entries.serviceDefaults.get(service.name)?.protocol;
  if (isServiceProtocol(own)) return own;
  if (service.protocolDeclared) return service.protocol;
  const global = entries.proxyDefaults?.protocol;
  return isServiceProtocol(global) ? global : service.protocol;
}
