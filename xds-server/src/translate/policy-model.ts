/**
 * Traffic policy as translation consumes it: normalised from the DSL (durations in
 * milliseconds, defaults merged, the catch-all route present), so translators never see
 * DSL syntax. Objects are rebuilt only when their content changes, which lets the
 * snapshot re-encode just the affected resources on a config reload.
 */
import type { HttpMethod, LoadBalancer, MtlsMode } from '../dsl/mesh-definition';

export type { HttpMethod, LoadBalancer, MtlsMode };

export interface SubsetModel {
  name: string;
  /** Every tag must be on the instance. */
  tags: readonly string[];
  /** Every key must have this value in the instance's meta. */
  meta: Readonly<Record<string, string>>;
}

/** Headers a route or a split target sets on the request (Consul's RequestHeaders). */
export interface HeaderModifiersModel {
  add: Readonly<Record<string, string>>;
  set: Readonly<Record<string, string>>;
  remove: readonly string[];
}

/** `subset` undefined means the whole service. */
export interface WeightedTargetModel {
  /** Another service than the policy's own (a Consul splitter or router may name one); undefined: the policy's service. */
  service?: string;
  subset: string | undefined;
  weight: number;
  requestHeaders?: HeaderModifiersModel;
}

export interface RetryModel {
  /** Envoy's retry_on, comma-joined. */
  retryOn: string;
  numRetries: number;
  perTryTimeoutMs: number | undefined;
  backoff: { baseMs: number; maxMs: number | undefined } | undefined;
  retriableStatusCodes: readonly number[];
  budget: { percent: number; minRetryConcurrency: number | undefined } | undefined;
}

export interface FaultModel {
  delay: { percent: number; durationMs: number } | undefined;
  abort: { percent: number; httpStatus: number } | undefined;
}

export type PathMatchModel = { kind: 'prefix' | 'exact' | 'regex'; value: string };

export type HeaderMatchModel = { name: string; invert?: boolean } & (
  | { kind: 'exact' | 'prefix' | 'suffix' | 'regex'; value: string }
  | { kind: 'present'; value: boolean }
);

export type QueryParamMatchModel = { name: string } & ({ kind: 'exact' | 'regex'; value: string } | { kind: 'present' });

export interface RouteModel {
  path: PathMatchModel;
  headers: readonly HeaderMatchModel[];
  methods: readonly HttpMethod[];
  /** Only from a Consul service-router; the DSL has none. */
  queryParams?: readonly QueryParamMatchModel[];
  rewritePrefix: string | undefined;
  requestHeaders?: HeaderModifiersModel;
  /** Empty: the whole service. */
  split: readonly WeightedTargetModel[];
  retries: RetryModel | undefined;
  timeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  fault: FaultModel | undefined;
}

export interface CircuitBreakerModel {
  maxConnections: number | undefined;
  maxPendingRequests: number | undefined;
  maxRequests: number | undefined;
  maxRetries: number | undefined;
}

export interface OutlierDetectionModel {
  consecutive5xx: number | undefined;
  /** Percent of consecutive-5xx detections that eject; Envoy's default is 100. Only from Consul's PassiveHealthCheck. */
  enforcingConsecutive5xx?: number;
  consecutiveGatewayErrors: number | undefined;
  intervalMs: number | undefined;
  baseEjectionTimeMs: number | undefined;
  maxEjectionPercent: number | undefined;
}

/** Where a cluster's traffic goes once none of its own endpoints is left (Consul's service-resolver Failover). */
export interface FailoverModel {
  /** The subset whose cluster fails over, or `*` for the service's and every subset's without its own entry. */
  subset: string;
  /** Tried in order: each becomes the next EDS priority. */
  targets: ReadonlyArray<{ service: string; subset: string | undefined }>;
}

/** Everything the DSL says about reaching one destination service. */
export interface TrafficPolicyModel {
  service: string;
  subsets: readonly SubsetModel[];
  /** In match order; the last one is always the catch-all `prefix: /`. */
  routes: readonly RouteModel[];
  connectTimeoutMs: number | undefined;
  circuitBreaker: CircuitBreakerModel | undefined;
  /** Envoy's retry budget lives on the cluster, so the service-level one is kept here too. */
  retryBudget: RetryModel['budget'];
  outlierDetection: OutlierDetectionModel | undefined;
  loadBalancer: LoadBalancer;
  mtls: MtlsMode;
  /** Undefined: every service may call. */
  allowedCallers: readonly string[] | undefined;
  /** Only from a Consul service-resolver; the DSL has none. */
  failover: readonly FailoverModel[];
}

export interface UpstreamModel {
  service: string;
  localBindPort: number | undefined;
}

export interface GatewayRouteModel {
  prefix: string;
  service: string;
  /** Undefined: the path is forwarded as it came. */
  rewritePrefix: string | undefined;
  /** Empty: every method. */
  methods: readonly HttpMethod[];
}

export interface GatewayModel {
  /** The gateway Envoy's node.cluster. */
  name: string;
  port: number;
  routes: readonly GatewayRouteModel[];
}

/** How one caller reaches an upstream, where it differs from the destination's policy. */
export interface UpstreamOverrideModel {
  connectTimeoutMs: number | undefined;
  circuitBreaker: Partial<CircuitBreakerModel> | undefined;
  outlierDetection: Partial<OutlierDetectionModel> | undefined;
}

/**
 * A caller's own settings for its upstreams (Consul's service-defaults UpstreamConfig). They
 * apply to that caller's calls only, so its sidecar gets its own copies of those clusters.
 */
export interface CallerUpstreamsModel {
  /** The config entry they come from. */
  source: string;
  /** For every upstream; an override's fields win over these. */
  defaults: UpstreamOverrideModel | undefined;
  /** By upstream service. */
  overrides: ReadonlyMap<string, UpstreamOverrideModel>;
}

/** How a sidecar reaches its own app (Consul's LocalConnectTimeoutMs and LocalRequestTimeoutMs); undefined: the defaults. */
export interface LocalTimeoutsModel {
  connectTimeoutMs: number | undefined;
  requestTimeoutMs: number | undefined;
}

/** The part of the mesh that comes from mesh.config.ts. */
export interface MeshConfigModel {
  /** Content hash of the validated definition. */
  version: string;
  /** By destination service. */
  policies: ReadonlyMap<string, TrafficPolicyModel>;
  /** By calling service. */
  upstreams: ReadonlyMap<string, readonly UpstreamModel[]>;
  gateway: GatewayModel | undefined;
  /** By calling service; only from Consul's service-defaults. */
  callerUpstreams?: ReadonlyMap<string, CallerUpstreamsModel>;
  /** By service, with ANY_SERVICE for proxy-defaults; only from Consul's service-defaults and proxy-defaults. */
  localTimeouts?: ReadonlyMap<string, LocalTimeoutsModel>;
}

/** The key of `localTimeouts` that proxy-defaults sets, for every service without its own. */
export const ANY_SERVICE = '*';
