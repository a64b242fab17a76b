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
    ...overrides,
  };
}
