import type { RouteModel, TrafficPolicyModel } from './policy-model';

/** The catch-all route the normaliser always appends. */
export function route(overrides: Partial<RouteModel> = {}): RouteModel {
  return {
    path: { kind: 'prefix', value: '/' },
    headers: [],
    methods: [],
    rewritePrefix: undefined,
    split: [],
    retries: undefined,
    timeoutMs: undefined,
    idleTimeoutMs: undefined,
    fault: undefined,
    ...overrides,
  };
}

/** A policy with nothing set but what the test gives. */
export function policy(service: string, overrides: Partial<TrafficPolicyModel> = {}): TrafficPolicyModel {
  return {
    service,
    subsets: [],
    routes: [route()],
    connectTimeoutMs: undefined,
    circuitBreaker: undefined,
    retryBudget: undefined,
    outlierDetection: undefined,
    loadBalancer: 'round_robin',
    mtls: 'off',
    allowedCallers: undefined,
    failover: [],
    ...overrides,
  };
}

/** SAFE_RETRY as a decoded route carries it: the retry every route without a DSL retry policy gets. */
export const SAFE_RETRY_DECODED = {
  retry_on: 'connect-failure,refused-stream',
  num_retries: { value: 2 },
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
  host_selection_retry_max_attempts: 3,
};
