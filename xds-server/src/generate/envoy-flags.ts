/**
 * Flags every generated Envoy runs with. A listener update (an intention or allowedCallers
 * edit changes the inbound RBAC filter) drains the old filter chain's connections; Envoy's
 * default drains gradually over 600 s, so a revoked caller would keep its pooled connection.
 * Immediate draining closes them at their next response.
 */
export const ENVOY_DRAIN_FLAGS = ['--drain-strategy', 'immediate', '--drain-time-s', '5'] as const;
