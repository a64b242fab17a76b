import { spiffeId } from '../consul/connect-ca';
import type { IntentionHeader, IntentionPermission } from '../consul/connect-intentions';
import type { MeshIdentity } from './tls-context';

/**
 * Authorization on a sidecar's inbound listener: the DSL's `allowedCallers` of the
 * destination become an RBAC ALLOW policy matched against the caller's SPIFFE ID, which
 * Envoy reads from the URI SAN of the client certificate the mTLS handshake verified.
 *
 * Default policy: with `allowedCallers` undefined no RBAC filter is generated, so every mesh
 * service may call. mTLS already limits callers to holders of a certificate from the mesh
 * CA, i.e. to services registered in Consul; denying by default would break every service
 * the moment mTLS is switched on, before anyone has written a single allow list. A service
 * that lists its callers gets exactly those; an empty list denies every caller.
 */

export const HTTP_RBAC_FILTER = 'envoy.filters.http.rbac';
export const NETWORK_RBAC_FILTER = 'envoy.filters.network.rbac';
const HTTP_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const NETWORK_RBAC_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.rbac.v3.RBAC';

/** The RBAC policy that lets `caller` in; its name shows up in Envoy's RBAC logs and metadata. */
export function callerPolicyName(caller: string): string {
  return `allow:${caller}`;
}

/** By caller: the L7 intention permissions every request of that caller is judged by. */
export type CallerPermissions = Readonly<Record<string, readonly IntentionPermission[]>>;

/**
 * envoy.config.rbac.v3.RBAC: one ALLOW policy per caller (principal = the caller's exact
 * SPIFFE ID), matching any request, or with an L7 intention the requests its permissions
 * allow. No policy at all denies every request.
 */
export function rbacRules(allowedCallers: readonly string[], identity: MeshIdentity, callerPermissions: CallerPermissions = {}): object {
  const policies: Record<string, object> = {};
  for (const caller of [...new Set(allowedCallers)].sort()) {
    const l7 = callerPermissions[caller];
    policies[callerPolicyName(caller)] = {
      permissions: [l7 ? firstMatchAllows(l7) : { any: true }],
      principals: [{ authenticated: { principal_name: { exact: spiffeId(identity.trustDomain, identity.datacenter, caller) } } }],
    };
  }
  return { action: 'ALLOW', policies };
}

/**
 * Consul's order as one RBAC permission: the first permission that matches a request decides
 * it, so an allow counts only where no earlier entry matched. A request no entry matches is
 * denied.
 */
function firstMatchAllows(permissions: readonly IntentionPermission[]): object {
  const allowed: object[] = [];
  permissions.forEach((permission, i) => {
    if (permission.action !== 'allow') return;
    const earlier = permissions.slice(0, i).map(requestMatch);
    allowed.push(earlier.length === 0 ? requestMatch(permission) : { and_rules: { rules: [requestMatch(permission), { not_rule: anyOf(earlier) }] } });
  });
  return allowed.length === 0 ? { not_rule: { any: true } } : anyOf(allowed);
}

function anyOf(rules: readonly object[]): object {
  return rules.length === 1 ? (rules[0] as object) : { or_rules: { rules } };
}

function requestMatch(permission: IntentionPermission): object {
  const rules: object[] = [];
  if (permission.path) {
    const { kind, value } = permission.path;
    rules.push({ url_path: { path: kind === 'regex' ? { safe_regex: { regex: value } } : { [kind]: value } } });
  }
  if (permission.methods.length > 0) rules.push(anyOf(permission.methods.map((method) => ({ header: { name: ':method', string_match: { exact: method } } }))));
  for (const header of permission.headers) rules.push({ header: headerMatcher(header) });
  return rules.length === 0 ? { any: true } : rules.length === 1 ? (rules[0] as object) : { and_rules: { rules } };
}

function headerMatcher(header: IntentionHeader): object {
  const { match } = header;
  const matcher =
    match.kind === 'present'
      ? { present_match: true }
      : { string_match: match.kind === 'regex' ? { safe_regex: { regex: match.value } } : { [match.kind]: match.value } };
  return { name: header.name, ...matcher, ...(header.invert ? { invert_match: true } : {}) };
}

/** The HTTP filter for an HTTP/gRPC inbound listener (before the router); undefined when every mesh caller is allowed. */
export function httpRbacFilter(allowedCallers: readonly string[] | undefined, identity: MeshIdentity, callerPermissions?: CallerPermissions): object | undefined {
  if (allowedCallers === undefined) return undefined;
  return { name: HTTP_RBAC_FILTER, typed_config: { '@type': HTTP_RBAC_TYPE, rules: rbacRules(allowedCallers, identity, callerPermissions) } };
}

/**
 * The network filter for a TCP inbound listener (before tcp_proxy); undefined when every mesh
 * caller is allowed. A TCP connection has no requests to judge: a caller an L7 intention
 * decides for is denied outright (fail closed), as Consul does for non-HTTP services.
 */
export function networkRbacFilter(
  allowedCallers: readonly string[] | undefined,
  identity: MeshIdentity,
  statPrefix: string,
  callerPermissions: CallerPermissions = {},
): object | undefined {
  if (allowedCallers === undefined) return undefined;
  const callers = allowedCallers.filter((caller) => callerPermissions[caller] === undefined);
  return { name: NETWORK_RBAC_FILTER, typed_config: { '@type': NETWORK_RBAC_TYPE, stat_prefix: statPrefix, rules: rbacRules(callers, identity) } };
}
