import { spiffeId } from '../consul/connect-ca';
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

/**
 * envoy.config.rbac.v3.RBAC: one ALLOW policy per caller (any permission, principal = the
 * caller's exact SPIFFE ID). No policy at all denies every request.
 */
export function rbacRules(allowedCallers: readonly string[], identity: MeshIdentity): object {
  const policies: Record<string, object> = {};
  for (const caller of [...new Set(allowedCallers)].sort()) {
    policies[callerPolicyName(caller)] = {
      permissions: [{ any: true }],
      principals: [{ authenticated: { principal_name: { exact: spiffeId(identity.trustDomain, identity.datacenter, caller) } } }],
    };
  }
  return { action: 'ALLOW', policies };
}

/** The HTTP filter for an HTTP/gRPC inbound listener (before the router); undefined when every mesh caller is allowed. */
export function httpRbacFilter(allowedCallers: readonly string[] | undefined, identity: MeshIdentity): object | undefined {
  if (allowedCallers === undefined) return undefined;
  return { name: HTTP_RBAC_FILTER, typed_config: { '@type': HTTP_RBAC_TYPE, rules: rbacRules(allowedCallers, identity) } };
}

/** The network filter for a TCP inbound listener (before tcp_proxy); undefined when every mesh caller is allowed. */
export function networkRbacFilter(allowedCallers: readonly string[] | undefined, identity: MeshIdentity, statPrefix: string): object | undefined {
  if (allowedCallers === undefined) return undefined;
  return { name: NETWORK_RBAC_FILTER, typed_config: { '@type': NETWORK_RBAC_TYPE, stat_prefix: statPrefix, rules: rbacRules(allowedCallers, identity) } };
}
