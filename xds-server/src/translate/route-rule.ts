import { duration, fractionalPercent } from './duration';
import type {
  FaultModel,
  HeaderMatchModel,
  HeaderModifiersModel,
  HttpMethod,
  PathMatchModel,
  QueryParamMatchModel,
  RetryModel,
  RouteModel,
  TrafficPolicyModel,
} from './policy-model';
import { targetCluster } from './subset';

/** The HCM filter that per-route fault configs address; listeners carrying policy routes must have it. */
export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';
export const FAULT_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault';

function pathMatch(path: PathMatchModel): object {
  switch (path.kind) {
    case 'prefix':
      return { prefix: path.value };
    case 'exact':
      return { path: path.value };
    case 'regex':
      return { safe_regex: { regex: path.value } };
  }
}

function headerMatcher(header: HeaderMatchModel): object {
  const invert = header.invert ? { invert_match: true } : {};
  switch (header.kind) {
    case 'present':
      return { name: header.name, present_match: header.value, ...invert };
    case 'exact':
      return { name: header.name, string_match: { exact: header.value }, ...invert };
    case 'prefix':
      return { name: header.name, string_match: { prefix: header.value }, ...invert };
    case 'suffix':
      return { name: header.name, string_match: { suffix: header.value }, ...invert };
    case 'regex':
      return { name: header.name, string_match: { safe_regex: { regex: header.value } }, ...invert };
  }
}

function queryParamMatcher(param: QueryParamMatchModel): object {
  switch (param.kind) {
    case 'present':
      return { name: param.name, present_match: true };
    case 'exact':
      return { name: param.name, string_match: { exact: param.value } };
    case 'regex':
      return { name: param.name, string_match: { safe_regex: { regex: param.value } } };
  }
}

/** Set replaces a header, add appends to it, as Consul's RequestHeaders and ResponseHeaders do. */
export function headerChanges(modifiers: HeaderModifiersModel | undefined, direction: 'request' | 'response' = 'request'): object {
  if (!modifiers) return {};
  const toAdd = [
    ...Object.entries(modifiers.set).map(([key, value]) => ({ header: { key, value }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })),
    ...Object.entries(modifiers.add).map(([key, value]) => ({ header: { key, value }, append_action: 'APPEND_IF_EXISTS_OR_ADD' })),
  ];
  return {
    ...(toAdd.length ? { [`${direction}_headers_to_add`]: toAdd } : {}),
    ...(modifiers.remove.length ? { [`${direction}_headers_to_remove`]: [...modifiers.remove] } : {}),
  };
}

/** Envoy's regex matchers match the whole value, so an alternation needs no anchors. */
export function methodMatcher(methods: readonly HttpMethod[]): object {
  return methods.length === 1
    ? { name: ':method', string_match: { exact: methods[0] } }
    : { name: ':method', string_match: { safe_regex: { regex: methods.join('|') } } };
}

/**
 * Retries for a route the DSL gives none: only failures where the request never reached the
 * upstream (the connection failed or the stream was refused), so a POST is never repeated,
 * each time on another host. This is what takes a dead node's instances out of the request
 * path at once, before Consul's checks notice (Istio retries the same by default).
 */
export const SAFE_RETRY = {
  retry_on: 'connect-failure,refused-stream',
  num_retries: { value: 2 },
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate' } }],
  host_selection_retry_max_attempts: 3,
} as const;

function retryPolicy(retry: RetryModel): object {
  return {
    retry_on: retry.retryOn,
    num_retries: { value: retry.numRetries },
    ...(retry.perTryTimeoutMs === undefined ? {} : { per_try_timeout: duration(retry.perTryTimeoutMs) }),
    ...(retry.backoff === undefined
      ? {}
      : {
          retry_back_off: {
            base_interval: duration(retry.backoff.baseMs),
            ...(retry.backoff.maxMs === undefined ? {} : { max_interval: duration(retry.backoff.maxMs) }),
          },
        }),
    ...(retry.retriableStatusCodes.length ? { retriable_status_codes: [...retry.retriableStatusCodes] } : {}),
  };
}

/** The per-route HTTPFault that overrides the listener's empty one. */
export function faultConfig(fault: FaultModel): object {
  return {
    '@type': FAULT_TYPE,
    ...(fault.delay ? { delay: { fixed_delay: duration(fault.delay.durationMs), percentage: fractionalPercent(fault.delay.percent) } } : {}),
    ...(fault.abort ? { abort: { http_status: fault.abort.httpStatus, percentage: fractionalPercent(fault.abort.percent) } } : {}),
  };
}

/**
 * Where the route sends requests. Zero-weight targets are left out (Envoy rejects a split
 * whose weights sum to zero, and they would receive nothing anyway); a split of one
 * target is a plain cluster.
 */
function destination(policy: TrafficPolicyModel, route: RouteModel): object {
  const targets = route.split.filter((t) => t.weight > 0);
  if (targets.length === 0) return { cluster: policy.service };
  if (targets.length === 1 && !targets[0]!.requestHeaders) return { cluster: targetCluster(policy, targets[0]!) };
  return { weighted_clusters: { clusters: targets.map((t) => ({ name: targetCluster(policy, t), weight: { value: t.weight }, ...headerChanges(t.requestHeaders) })) } };
}

/** One envoy.config.route.v3.Route of a service's policy. */
export function routeRule(policy: TrafficPolicyModel, route: RouteModel): object {
  const headers = [...route.headers.map(headerMatcher), ...(route.methods.length ? [methodMatcher(route.methods)] : [])];
  const queryParams = (route.queryParams ?? []).map(queryParamMatcher);
  return {
    match: { ...pathMatch(route.path), ...(headers.length ? { headers } : {}), ...(queryParams.length ? { query_parameters: queryParams } : {}) },
    ...headerChanges(route.requestHeaders),
    route: {
      ...destination(policy, route),
      ...(route.rewritePrefix === undefined ? {} : { prefix_rewrite: route.rewritePrefix }),
      ...(route.timeoutMs === undefined ? {} : { timeout: duration(route.timeoutMs) }),
      ...(route.idleTimeoutMs === undefined ? {} : { idle_timeout: duration(route.idleTimeoutMs) }),
      retry_policy: route.retries === undefined ? SAFE_RETRY : retryPolicy(route.retries),
    },
    ...(route.fault === undefined ? {} : { typed_per_filter_config: { [FAULT_FILTER_NAME]: faultConfig(route.fault) } }),
  };
}
