import type { ServiceEndpoint, ServiceModel } from './model';
import type { SubsetModel, TrafficPolicyModel, WeightedTargetModel } from './policy-model';

/** `~` cannot appear in a Consul service name, so a subset cluster never clashes with a service's. */
export function subsetClusterName(service: string, subset: string): string {
  return `${service}~${subset}`;
}

/** Every tag of the selector is on the instance and every meta key has the selector's value. */
export function inSubset(endpoint: ServiceEndpoint, subset: SubsetModel): boolean {
  return subset.tags.every((tag) => endpoint.tags.includes(tag)) && Object.entries(subset.meta).every(([key, value]) => endpoint.meta[key] === value);
}

export function subsetEndpoints(service: ServiceModel, subset: SubsetModel): readonly ServiceEndpoint[] {
  return service.endpoints.filter((endpoint) => inSubset(endpoint, subset));
}

/**
 * The cluster a weighted target goes to. A target naming a subset the policy does not
 * declare (validation rejects that) goes to the whole service, so a route never names a
 * cluster that is not sent.
 */
export function targetCluster(policy: TrafficPolicyModel, target: Pick<WeightedTargetModel, 'service' | 'subset'>): string {
  const { subset } = target;
  // Another service's subset was checked against that service's policy when the target was compiled (config-entry-policy.ts).
  if (target.service !== undefined && target.service !== policy.service) return subset === undefined ? target.service : subsetClusterName(target.service, subset);
  return subset !== undefined && policy.subsets.some((s) => s.name === subset) ? subsetClusterName(policy.service, subset) : policy.service;
}
