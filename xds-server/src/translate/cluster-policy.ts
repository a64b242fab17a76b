import { duration } from './duration';
import type { LoadBalancer, TrafficPolicyModel } from './policy-model';

export const DEFAULT_CONNECT_TIMEOUT_MS = 1000;

const LB_POLICY: Readonly<Record<LoadBalancer, string>> = {
  round_robin: 'ROUND_ROBIN',
  least_request: 'LEAST_REQUEST',
  random: 'RANDOM',
  ring_hash: 'RING_HASH',
  maglev: 'MAGLEV',
};

/** What @grpc/grpc-js-xds 1.14 accepts in `lb_policy`; it rejects the whole cluster otherwise. */
const GRPC_LB_POLICIES: readonly LoadBalancer[] = ['round_robin', 'ring_hash'];

export type ClusterClient = 'envoy' | 'grpc';

const wrap = (value: number | undefined) => (value === undefined ? undefined : { value });

function defined(object: Record<string, unknown>): Record<string, unknown> | undefined {
  const entries = Object.entries(object).filter(([, v]) => v !== undefined);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/**
 * The cluster fields a traffic policy sets. A proxyless gRPC client cannot use Envoy-only
 * balancers, so it gets round robin instead of a cluster it would reject.
 */
export function clusterPolicyFields(policy: TrafficPolicyModel | undefined, client: ClusterClient = 'envoy'): Record<string, unknown> {
  const lb = policy?.loadBalancer ?? 'round_robin';
  const fields: Record<string, unknown> = {
    connect_timeout: duration(policy?.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS),
    lb_policy: LB_POLICY[client === 'grpc' && !GRPC_LB_POLICIES.includes(lb) ? 'round_robin' : lb],
  };
  if (!policy) return fields;
  const breaker = policy.circuitBreaker;
  const budget = policy.retryBudget;
  const threshold = defined({
    max_connections: wrap(breaker?.maxConnections),
    max_pending_requests: wrap(breaker?.maxPendingRequests),
    max_requests: wrap(breaker?.maxRequests),
    max_retries: wrap(breaker?.maxRetries),
    retry_budget: budget && {
      budget_percent: { value: budget.percent },
      ...(budget.minRetryConcurrency === undefined ? {} : { min_retry_concurrency: { value: budget.minRetryConcurrency } }),
    },
  });
  if (threshold) fields.circuit_breakers = { thresholds: [threshold] };
  const outlier = policy.outlierDetection;
  const detection =
    outlier &&
    defined({
      consecutive_5xx: wrap(outlier.consecutive5xx),
      enforcing_consecutive_5xx: wrap(outlier.enforcingConsecutive5xx),
      consecutive_gateway_failure: wrap(outlier.consecutiveGatewayErrors),
      // Envoy enforces gateway-failure ejections at 0 % unless told otherwise.
      enforcing_consecutive_gateway_failure: outlier.consecutiveGatewayErrors === undefined ? undefined : { value: 100 },
      interval: outlier.intervalMs === undefined ? undefined : duration(outlier.intervalMs),
      base_ejection_time: outlier.baseEjectionTimeMs === undefined ? undefined : duration(outlier.baseEjectionTimeMs),
      max_ejection_percent: wrap(outlier.maxEjectionPercent),
    });
  // An empty outlier_detection still turns detection on, with Envoy's defaults.
  if (outlier) fields.outlier_detection = detection ?? {};
  return fields;
}

/** Whether a gRPC client needs a different cluster from the one Envoy gets. */
export function grpcNeedsOwnCluster(policy: TrafficPolicyModel | undefined): boolean {
  return policy !== undefined && !GRPC_LB_POLICIES.includes(policy.loadBalancer);
}
