import type { SubsetModel, TrafficPolicyModel } from './policy-model';

/** The kinds of resource a traffic policy shapes. */
export type PolicyDependent = 'cluster' | 'route' | 'listener' | 'endpoint';

/**
 * Which resources each field of a traffic policy shapes, declared once, beside the model.
 * `satisfies Record<keyof TrafficPolicyModel, …>` makes a new field that is not listed here a
 * compile error, and policy-dependencies.spec.ts rebuilds a snapshot incrementally after a
 * change to each field and compares it with one built from scratch, so a field listed for too
 * few kinds fails there instead of leaving stale resources in production.
 */
export const POLICY_DEPENDENCIES = {
  service: ['cluster', 'route', 'listener'],
  subsets: ['cluster', 'route'],
  routes: ['route'],
  connectTimeoutMs: ['cluster'],
  circuitBreaker: ['cluster'],
  retryBudget: ['cluster'],
  outlierDetection: ['cluster'],
  loadBalancer: ['cluster'],
  mtls: ['cluster', 'listener'],
  allowedCallers: ['listener'],
  failover: ['endpoint'],
} as const satisfies Record<keyof TrafficPolicyModel, readonly PolicyDependent[]>;

type PolicyField = keyof typeof POLICY_DEPENDENCIES;

function fieldsShaping(dependent: PolicyDependent): readonly PolicyField[] {
  return (Object.keys(POLICY_DEPENDENCIES) as PolicyField[]).filter((field) => (POLICY_DEPENDENCIES[field] as readonly PolicyDependent[]).includes(dependent));
}

const FIELDS_BY_DEPENDENT: Record<PolicyDependent, readonly PolicyField[]> = {
  cluster: fieldsShaping('cluster'),
  route: fieldsShaping('route'),
  listener: fieldsShaping('listener'),
  endpoint: fieldsShaping('endpoint'),
};

/** A reload may rebuild every policy object, so reuse is decided by content; memoised per object. */
const keys: Record<PolicyDependent, WeakMap<TrafficPolicyModel, string>> = { cluster: new WeakMap(), route: new WeakMap(), listener: new WeakMap(), endpoint: new WeakMap() };
const subsetKeys = new WeakMap<SubsetModel, string>();

/** The content of exactly the fields of `policy` that shape a `dependent` resource. */
export function policyKey(policy: TrafficPolicyModel | undefined, dependent: PolicyDependent): string {
  if (policy === undefined) return '';
  let key = keys[dependent].get(policy);
  if (key === undefined) {
    key = JSON.stringify(FIELDS_BY_DEPENDENT[dependent].map((field) => policy[field]));
    keys[dependent].set(policy, key);
  }
  return key;
}

/** What a subset's ClusterLoadAssignment depends on besides the service's endpoints. */
export function subsetKey(subset: SubsetModel): string {
  let key = subsetKeys.get(subset);
  if (key === undefined) {
    key = JSON.stringify(subset);
    subsetKeys.set(subset, key);
  }
  return key;
}
