import type { ServiceModel } from './model';
import type { HeaderMatchModel, RouteModel, TrafficPolicyModel } from './policy-model';
import { subsetClusterName, subsetEndpoints } from './subset';

/** A service's traffic policy as /info/routes shows it: one line per route, subsets with their instances. */
export interface PolicySummary {
  loadBalancer: string;
  connectTimeoutMs?: number;
  circuitBreaker?: object;
  retryBudget?: object;
  outlierDetection?: object;
  subsets: Array<{ cluster: string; selector: string; endpoints: string[] }>;
  routes: string[];
  /** One line per failing-over cluster: `* -> api-backup, api~v2`, targets in priority order. */
  failover?: string[];
}

function header(h: HeaderMatchModel): string {
  const text = h.kind === 'present' ? `${h.name}${h.value ? ' present' : ' absent'}` : `${h.name} ${h.kind} ${h.value}`;
  return h.invert ? `not ${text}` : text;
}

function routeLine(policy: TrafficPolicyModel, route: RouteModel): string {
  const parts = [`${route.path.kind} ${route.path.value}`];
  if (route.methods.length) parts.push(route.methods.join('|'));
  for (const h of route.headers) parts.push(`[${header(h)}]`);
  for (const q of route.queryParams ?? []) parts.push(`[?${q.name}${q.kind === 'present' ? ' present' : ` ${q.kind} ${q.value}`}]`);
  const targets = route.split.filter((t) => t.weight > 0);
  const label = (t: (typeof targets)[number]) => (t.service && t.service !== policy.service ? `${t.service}${t.subset ? `~${t.subset}` : ''}` : (t.subset ?? policy.service));
  parts.push('->', targets.length ? targets.map((t) => `${label(t)} ${t.weight}`).join(', ') : policy.service);
  if (route.rewritePrefix !== undefined) parts.push(`rewrite ${route.rewritePrefix}`);
  if (route.retries) parts.push(`retries ${route.retries.numRetries} on ${route.retries.retryOn}`);
  if (route.timeoutMs !== undefined) parts.push(`timeout ${route.timeoutMs}ms`);
  if (route.idleTimeoutMs !== undefined) parts.push(`idle ${route.idleTimeoutMs}ms`);
  if (route.fault?.delay) parts.push(`delay ${route.fault.delay.percent}% ${route.fault.delay.durationMs}ms`);
  if (route.fault?.abort) parts.push(`abort ${route.fault.abort.percent}% ${route.fault.abort.httpStatus}`);
  return parts.join(' ');
}

function defined<T extends object>(value: T | undefined): T | undefined {
  return value && Object.values(value).some((v) => v !== undefined) ? value : undefined;
}

export function policySummary(service: ServiceModel, policy: TrafficPolicyModel): PolicySummary {
  return JSON.parse(
    JSON.stringify({
      loadBalancer: policy.loadBalancer,
      connectTimeoutMs: policy.connectTimeoutMs,
      circuitBreaker: defined(policy.circuitBreaker),
      retryBudget: policy.retryBudget,
      outlierDetection: defined(policy.outlierDetection),
      subsets: policy.subsets.map((subset) => ({
        cluster: subsetClusterName(service.name, subset.name),
        selector: [...subset.tags.map((t) => `tag ${t}`), ...Object.entries(subset.meta).map(([k, v]) => `${k}=${v}`)].join(', '),
        endpoints: subsetEndpoints(service, subset).map((e) => `${e.address}:${e.port}`),
      })),
      routes: policy.routes.map((route) => routeLine(policy, route)),
      failover: policy.failover.length ? policy.failover.map((f) => `${f.subset} -> ${f.targets.map((t) => (t.subset ? `${t.service}~${t.subset}` : t.service)).join(', ')}`) : undefined,
    }),
  ) as PolicySummary;
}
