/**
 * A validated MeshDefinition as translation consumes it (translate/policy-model.ts):
 * durations in milliseconds, mesh defaults merged under each service, the catch-all route
 * present, maps sorted by name. The same definition always gives the same model.
 */
import { createHash } from 'node:crypto';
import type {
  PathMatchModel,
  HeaderMatchModel,
  CircuitBreakerModel,
  FaultModel,
  GatewayModel,
  MeshConfigModel,
  OutlierDetectionModel,
  RetryModel,
  RouteModel,
  SubsetModel,
  TrafficPolicyModel,
  UpstreamModel,
  WeightedTargetModel,
} from '../translate/policy-model';
import { durationToMs } from './duration';
import type {
  CircuitBreaker,
  Duration,
  FaultInjection,
  HeaderMatch,
  MeshDefinition,
  OutlierDetection,
  PathMatch,
  RetryPolicy,
  RouteMatch,
  ServiceDefinition,
  Timeouts,
  TrafficPolicy,
  WeightedSubset,
} from './mesh-definition';

export const GATEWAY_NAME = 'gateway';
export const DEFAULT_GATEWAY_PORT = 8080;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function ms(duration: Duration | undefined): number | undefined {
  return duration === undefined ? undefined : durationToMs(duration);
}

function sortedRecord(record: Readonly<Record<string, string>> | undefined): Readonly<Record<string, string>> {
  return Object.fromEntries(Object.entries(record ?? {}).sort(([a], [b]) => byName(a, b)));
}

/** JSON with object keys sorted, so equal content always serialises the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => byName(a, b)))
      : v,
  );
}

/** A content hash of the definition: unique across restarts and replicas, stable across key order. */
export function meshDefinitionVersion(definition: MeshDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex').slice(0, 16);
}

function retryModel(retries: RetryPolicy | undefined): RetryModel | undefined {
  if (retries === undefined) return undefined;
  return {
    retryOn: retries.retryOn.join(','),
    numRetries: retries.numRetries,
    perTryTimeoutMs: ms(retries.perTryTimeout),
    backoff: retries.backoff && { baseMs: durationToMs(retries.backoff.base), maxMs: ms(retries.backoff.max) },
    retriableStatusCodes: [...(retries.retriableStatusCodes ?? [])],
    budget: retries.budget && { percent: retries.budget.percent, minRetryConcurrency: retries.budget.minRetryConcurrency },
  };
}

function faultModel(fault: FaultInjection | undefined): FaultModel | undefined {
  if (fault === undefined) return undefined;
  return {
    delay: fault.delay && { percent: fault.delay.percent, durationMs: durationToMs(fault.delay.duration) },
    abort: fault.abort && { percent: fault.abort.percent, httpStatus: fault.abort.httpStatus },
  };
}

function splitModel(split: readonly WeightedSubset[] | undefined): WeightedTargetModel[] {
  return (split ?? []).map(({ subset, weight }) => ({ subset, weight }));
}

function pathModel(path: PathMatch | undefined): PathMatchModel {
  if (path === undefined) return { kind: 'prefix', value: '/' };
  if ('prefix' in path) return { kind: 'prefix', value: path.prefix };
  if ('exact' in path) return { kind: 'exact', value: path.exact };
  return { kind: 'regex', value: path.regex };
}

function headerModel(header: HeaderMatch): HeaderMatchModel {
  if ('present' in header) return { name: header.name, kind: 'present', value: header.present };
  if ('exact' in header) return { name: header.name, kind: 'exact', value: header.exact };
  if ('prefix' in header) return { name: header.name, kind: 'prefix', value: header.prefix };
  return { name: header.name, kind: 'regex', value: header.regex };
}

function circuitBreakerModel(breaker: CircuitBreaker | undefined): CircuitBreakerModel | undefined {
  if (breaker === undefined) return undefined;
  return {
    maxConnections: breaker.maxConnections,
    maxPendingRequests: breaker.maxPendingRequests,
    maxRequests: breaker.maxRequests,
    maxRetries: breaker.maxRetries,
  };
}

function outlierModel(outlier: OutlierDetection | undefined): OutlierDetectionModel | undefined {
  if (outlier === undefined) return undefined;
  return {
    consecutive5xx: outlier.consecutive5xx,
    consecutiveGatewayErrors: outlier.consecutiveGatewayErrors,
    intervalMs: ms(outlier.interval),
    baseEjectionTimeMs: ms(outlier.baseEjectionTime),
    maxEjectionPercent: outlier.maxEjectionPercent,
  };
}

/** Field-by-field, the service's value winning; undefined when neither side has the object. */
function mergeFields<T extends object>(defaults: T | undefined, own: T | undefined): T | undefined {
  if (defaults === undefined) return own;
  if (own === undefined) return defaults;
  const merged: T = { ...defaults };
  for (const [key, value] of Object.entries(own)) if (value !== undefined) Object.assign(merged, { [key]: value });
  return merged;
}

/**
 * The service's traffic policy on top of the mesh defaults. A retry policy is taken whole
 * (its fields only make sense together); timeouts, circuit breaker and outlier detection
 * merge field by field.
 */
function effectivePolicy(definition: MeshDefinition, traffic: TrafficPolicy<string> | undefined): TrafficPolicy<string> {
  const defaults = definition.defaults ?? {};
  const own = traffic ?? {};
  return {
    ...own,
    retries: own.retries ?? defaults.retries,
    timeouts: mergeFields<Timeouts>(defaults.timeouts, own.timeouts),
    circuitBreaker: mergeFields<CircuitBreaker>(defaults.circuitBreaker, own.circuitBreaker),
    outlierDetection: mergeFields<OutlierDetection>(defaults.outlierDetection, own.outlierDetection),
    loadBalancer: own.loadBalancer ?? defaults.loadBalancer,
    mtls: own.mtls ?? defaults.mtls,
  };
}

function routeModel(
  match: RouteMatch,
  rule: { rewritePrefix?: string; split?: readonly WeightedSubset[]; retries?: RetryPolicy; timeout?: Duration; fault?: FaultInjection },
  policy: TrafficPolicy<string>,
): RouteModel {
  return {
    path: pathModel(match.path),
    headers: (match.headers ?? []).map(headerModel),
    methods: [...(match.methods ?? [])],
    rewritePrefix: rule.rewritePrefix,
    split: splitModel(rule.split),
    retries: retryModel(rule.retries ?? policy.retries),
    timeoutMs: ms(rule.timeout ?? policy.timeouts?.request),
    idleTimeoutMs: ms(policy.timeouts?.idle),
    fault: faultModel(rule.fault),
  };
}

export function trafficPolicyModel(
  definition: MeshDefinition,
  service: string,
  traffic: TrafficPolicy<string> | undefined,
): TrafficPolicyModel {
  const policy = effectivePolicy(definition, traffic);
  const subsets: SubsetModel[] = Object.entries(policy.subsets ?? {})
    .sort(([a], [b]) => byName(a, b))
    .map(([name, selector]) => ({ name, tags: [...(selector.tags ?? [])].sort(byName), meta: sortedRecord(selector.meta) }));
  const routes = (policy.routes ?? []).map((rule) => routeModel(rule.match, rule, policy));
  routes.push(
    routeModel({}, { split: policy.split, retries: policy.retries, timeout: policy.timeouts?.request, fault: policy.fault }, policy),
  );
  return {
    service,
    subsets,
    routes,
    connectTimeoutMs: ms(policy.timeouts?.connect),
    circuitBreaker: circuitBreakerModel(policy.circuitBreaker),
    retryBudget: retryModel(policy.retries)?.budget,
    outlierDetection: outlierModel(policy.outlierDetection),
    loadBalancer: policy.loadBalancer ?? 'round_robin',
    mtls: policy.mtls ?? 'off',
    allowedCallers: policy.allowedCallers && [...new Set([...policy.allowedCallers, ...gatewayCaller(definition, service)])].sort(byName),
    failover: [],
  };
}

/** A gateway route to a service already says the gateway may call it. */
function gatewayCaller(definition: MeshDefinition, service: string): string[] {
  return definition.gateway?.routes.some((route) => route.service === service) ? [GATEWAY_NAME] : [];
}

function upstreamModels(service: ServiceDefinition<string, string>): UpstreamModel[] {
  return (service.upstreams ?? [])
    .map((upstream) =>
      typeof upstream === 'string'
        ? { service: upstream, localBindPort: undefined }
        : { service: upstream.service, localBindPort: upstream.localBindPort },
    )
    .sort((a, b) => byName(a.service, b.service));
}

function gatewayModel(definition: MeshDefinition): GatewayModel | undefined {
  const gateway = definition.gateway;
  if (gateway === undefined) return undefined;
  return {
    name: GATEWAY_NAME,
    port: gateway.port ?? DEFAULT_GATEWAY_PORT,
    routes: gateway.routes.map((route) => ({
      prefix: route.prefix,
      service: route.service,
      rewritePrefix: route.rewritePrefix,
      methods: [...(route.methods ?? [])].sort(),
    })),
  };
}

/** Expects a definition that passed validateMeshDefinition. */
export function toMeshConfigModel(definition: MeshDefinition): MeshConfigModel {
  const services = Object.entries(definition.services).sort(([a], [b]) => byName(a, b));
  return {
    version: meshDefinitionVersion(definition),
    policies: new Map(services.map(([name, service]) => [name, trafficPolicyModel(definition, name, service.traffic)])),
    upstreams: new Map(services.map(([name, service]) => [name, upstreamModels(service)])),
    gateway: gatewayModel(definition),
  };
}

/**
 * `next`, with every policy, upstream list and gateway whose content did not change
 * replaced by the object from `previous`, so identity comparison finds what a reload
 * actually changed.
 */
export function shareUnchanged(previous: MeshConfigModel | undefined, next: MeshConfigModel): MeshConfigModel {
  if (previous === undefined) return next;
  const same = <T>(before: T | undefined, after: T): T =>
    before !== undefined && canonicalJson(before) === canonicalJson(after) ? before : after;
  return {
    version: next.version,
    policies: new Map([...next.policies].map(([name, policy]) => [name, same(previous.policies.get(name), policy)])),
    upstreams: new Map([...next.upstreams].map(([name, list]) => [name, same(previous.upstreams.get(name), list)])),
    gateway: next.gateway === undefined ? undefined : same(previous.gateway, next.gateway),
  };
}
