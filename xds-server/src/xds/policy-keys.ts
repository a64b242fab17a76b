import type { SubsetModel, TrafficPolicyModel } from '../translate/policy-model';

/**
 * Content keys of the parts of a traffic policy each resource depends on. A config reload
 * may rebuild every policy object, so reuse is decided by content; the keys are memoised
 * per object, so an unchanged object is serialised once.
 */
const clusterKeys = new WeakMap<TrafficPolicyModel, string>();
const routeKeys = new WeakMap<TrafficPolicyModel, string>();
const subsetKeys = new WeakMap<SubsetModel, string>();

function memo<T extends object>(keys: WeakMap<T, string>, value: T, key: (value: T) => unknown): string {
  let found = keys.get(value);
  if (found === undefined) {
    found = JSON.stringify(key(value));
    keys.set(value, found);
  }
  return found;
}

/** What the service's (and its subsets') clusters depend on. */
export function clusterKey(policy: TrafficPolicyModel | undefined): string {
  return policy
    ? memo(clusterKeys, policy, (p) => [p.connectTimeoutMs, p.circuitBreaker, p.retryBudget, p.outlierDetection, p.loadBalancer])
    : '';
}

/** What the service's routes depend on: the rules, and which subsets have clusters. */
export function routeKey(policy: TrafficPolicyModel | undefined): string {
  return policy ? memo(routeKeys, policy, (p) => [p.routes, p.subsets.map((s) => s.name)]) : '';
}

export function subsetKey(subset: SubsetModel): string {
  return memo(subsetKeys, subset, (s) => [s.tags, s.meta]);
}
