/**
 * The mesh language: what a `mesh.config.ts` default-exports through `defineMesh`. Node
 * and service names are type parameters, so the compiler rejects a placement on an
 * undeclared node or an upstream on an undeclared service; excess-property checks catch
 * misspelt fields, and the string unions catch misspelt enum values. The zod schema
 * (mesh-schema.ts) checks the same rules at load time, with every error at once.
 */

export type Arch = 'arm64' | 'amd64';
export type Protocol = 'http' | 'http2' | 'grpc' | 'tcp';
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
export type LoadBalancer = 'round_robin' | 'least_request' | 'random' | 'ring_hash' | 'maglev';
/** Envoy's `x-envoy-retry-on` conditions this DSL exposes. */
export type RetryOn =
  | '5xx'
  | 'gateway-error'
  | 'reset'
  | 'connect-failure'
  | 'retriable-4xx'
  | 'refused-stream'
  | 'retriable-status-codes'
  | 'cancelled'
  | 'deadline-exceeded'
  | 'resource-exhausted'
  | 'unavailable';
/** `off`: plaintext; `strict`: mTLS required; `permissive`: both, for migrations. */
export type MtlsMode = 'off' | 'strict' | 'permissive';

/** `250ms`, `2s`, `5m`, `1h`. */
export type Duration = `${number}ms` | `${number}s` | `${number}m` | `${number}h`;

export interface NodeDefinition {
  /** The routable address services on this node register in Consul; never a container-internal one. */
  address: string;
  arch: Arch;
  labels?: Readonly<Record<string, string>>;
}

export interface HealthCheckDefinition {
  /** An HTTP path on the app (default `/health`); `tcp: true` checks the port instead. */
  http?: string;
  tcp?: boolean;
  interval?: Duration;
  timeout?: Duration;
  /**
   * Consul removes an instance whose check stays critical this long, when the app registers
   * itself (`mesh up`). Generated agent definitions leave it out: one reaped from the agent's
   * config dir would not come back until `consul reload`.
   */
  deregisterAfter?: Duration;
}

export interface UpstreamDefinition<S extends string> {
  service: S;
  /** Also reachable on 127.0.0.1:<localBindPort>, for apps that cannot set a Host header. */
  localBindPort?: number;
}

export interface SidecarDefinition {
  /** The sidecar's public (inbound) port; other sidecars connect here. */
  port: number;
  /** Envoy's admin port (bound to loopback). */
  adminPort: number;
  /** Where the app reaches its upstreams (default 15001). */
  outboundPort?: number;
}

/** Instances of one version of a service; each is registered with meta `version=<key>`. */
export interface VersionDefinition<N extends string> {
  nodes?: readonly N[];
  replicas?: number;
  command?: string;
  image?: string;
  env?: Readonly<Record<string, string>>;
  tags?: readonly string[];
  meta?: Readonly<Record<string, string>>;
}

/** Picks a service's instances by Consul tag and/or meta; all given conditions must hold. */
export interface SubsetSelector {
  tags?: readonly string[];
  meta?: Readonly<Record<string, string>>;
}

export interface WeightedSubset {
  subset: string;
  /** Relative weight; the weights of one split need not sum to 100. */
  weight: number;
}

export type PathMatch = { prefix: string } | { exact: string } | { regex: string };

export type HeaderMatch = { name: string } & ({ exact: string } | { prefix: string } | { regex: string } | { present: boolean });

export interface RouteMatch {
  path?: PathMatch;
  headers?: readonly HeaderMatch[];
  methods?: readonly HttpMethod[];
}

export interface RetryPolicy {
  retryOn: readonly RetryOn[];
  numRetries: number;
  perTryTimeout?: Duration;
  backoff?: { base: Duration; max?: Duration };
  /** Used with `retriable-status-codes`. */
  retriableStatusCodes?: readonly number[];
  /** Caps concurrent retries at a share of active requests (Envoy's retry budget). */
  budget?: { percent: number; minRetryConcurrency?: number };
}

export interface Timeouts {
  /** Whole request, retries included. */
  request?: Duration;
  /** A stream with no activity for this long is closed. */
  idle?: Duration;
  /** TCP connect to an upstream instance. */
  connect?: Duration;
}

export interface CircuitBreaker {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxRequests?: number;
  maxRetries?: number;
}

export interface OutlierDetection {
  consecutive5xx?: number;
  consecutiveGatewayErrors?: number;
  interval?: Duration;
  baseEjectionTime?: Duration;
  maxEjectionPercent?: number;
}

export interface FaultInjection {
  delay?: { percent: number; duration: Duration };
  abort?: { percent: number; httpStatus: number };
}

export interface RouteRule {
  match: RouteMatch;
  /** Replaces the matched path prefix before forwarding. */
  rewritePrefix?: string;
  split?: readonly WeightedSubset[];
  retries?: RetryPolicy;
  timeout?: Duration;
  fault?: FaultInjection;
}

/** How callers reach a destination service. Applies in every caller's sidecar. */
export interface TrafficPolicy<S extends string> {
  subsets?: Readonly<Record<string, SubsetSelector>>;
  /** Tried in order; a final catch-all route to the whole service is always added. */
  routes?: readonly RouteRule[];
  /** The split of the catch-all route. */
  split?: readonly WeightedSubset[];
  retries?: RetryPolicy;
  timeouts?: Timeouts;
  circuitBreaker?: CircuitBreaker;
  outlierDetection?: OutlierDetection;
  loadBalancer?: LoadBalancer;
  fault?: FaultInjection;
  mtls?: MtlsMode;
  /** Services allowed to call this one; absent means every service in the mesh. */
  allowedCallers?: readonly S[];
}

export interface ServiceDefinition<N extends string, S extends string> {
  /** Nodes that run this service, `replicas` instances on each. */
  nodes: readonly N[];
  /** A command (systemd, local) or an image (compose); at least one. */
  command?: string;
  image?: string;
  port: number;
  protocol?: Protocol;
  replicas?: number;
  env?: Readonly<Record<string, string>>;
  health?: HealthCheckDefinition;
  upstreams?: readonly (S | UpstreamDefinition<S>)[];
  sidecar: SidecarDefinition;
  tags?: readonly string[];
  meta?: Readonly<Record<string, string>>;
  /** Extra versions deployed beside the base one, e.g. a canary `v2`. */
  versions?: Readonly<Record<string, VersionDefinition<N>>>;
  traffic?: TrafficPolicy<S>;
}

export interface GatewayRoute<S extends string> {
  /**
   * Public path prefix, e.g. `/users`. Without a trailing slash it matches whole path
   * segments: `/users` and `/users/me`, not `/users-admin`. With one it is a plain prefix.
   */
  prefix: string;
  service: S;
  /** Replaces `prefix` before forwarding; by default the path reaches the service unchanged. */
  rewritePrefix?: string;
  /** Only these methods are routed (default: all), e.g. `['GET']` to publish a read but not a write. */
  methods?: readonly HttpMethod[];
}

export interface GatewayDefinition<N extends string, S extends string> {
  node: N;
  /** The public HTTP port (default 8080). */
  port?: number;
  adminPort?: number;
  routes: readonly GatewayRoute<S>[];
}

/** Where Consul's servers run; every other node runs a Consul client agent. */
export interface ConsulPlacement<N extends string> {
  /**
   * The nodes that hold a Consul server and form its raft cluster: 1, 3 or 5 of them (an
   * odd number, so a majority survives a loss). Default: the control node (the gateway's)
   * and the next nodes by name, three in all when there are three nodes, else one.
   */
  servers?: readonly N[];
}

/** Where the (stateless) control plane runs; every Envoy bootstrap lists all of its replicas. */
export interface ControlPlanePlacement<N extends string> {
  /** Nodes with a control-plane replica; at least two when the mesh has two nodes or more. Default: every node. */
  nodes?: readonly N[];
}

export interface MeshDefinition<N extends string = string, S extends string = string> {
  /** Consul datacenter and SPIFFE trust domain inputs. */
  name: string;
  nodes: Readonly<Record<N, NodeDefinition>>;
  services: Readonly<Record<S, ServiceDefinition<N, S>>>;
  gateway?: GatewayDefinition<N, S>;
  consul?: ConsulPlacement<N>;
  controlPlane?: ControlPlanePlacement<N>;
  /** Mesh-wide defaults every service's traffic policy starts from. */
  defaults?: Pick<TrafficPolicy<S>, 'retries' | 'timeouts' | 'circuitBreaker' | 'outlierDetection' | 'loadBalancer' | 'mtls'>;
}
