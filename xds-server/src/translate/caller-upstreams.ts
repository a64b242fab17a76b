import type { UpstreamSettings } from '../consul/upstream-config';
import type { CallerUpstreamsModel, MeshConfigModel, TrafficPolicyModel, UpstreamOverrideModel } from './policy-model';

/**
 * Consul's service-defaults UpstreamConfig, as translation serves it: the caller's connect
 * timeout, limits and passive health check for an upstream win over the destination's own
 * policy, for that caller's calls only (README, "Coming from Consul Connect").
 */

/** An entry's UpstreamConfig settings in model terms: Limits are circuit-breaker thresholds, a PassiveHealthCheck is outlier detection. */
export function upstreamOverride(settings: UpstreamSettings): UpstreamOverrideModel {
  const { limits, passiveHealthCheck: check } = settings;
  return {
    connectTimeoutMs: settings.connectTimeoutMs,
    circuitBreaker: limits && definedOnly({ maxConnections: limits.maxConnections, maxPendingRequests: limits.maxPendingRequests, maxRequests: limits.maxConcurrentRequests }),
    outlierDetection:
      check &&
      definedOnly({
        consecutive5xx: check.maxFailures,
        enforcingConsecutive5xx: check.enforcingConsecutive5xx,
        intervalMs: check.intervalMs,
        baseEjectionTimeMs: check.baseEjectionTimeMs,
        maxEjectionPercent: check.maxEjectionPercent,
      }),
  };
}

/** What `caller` sets for `destination`: its override's fields over its defaults; undefined when it sets nothing. */
export function callerOverride(upstreams: CallerUpstreamsModel | undefined, destination: string): UpstreamOverrideModel | undefined {
  if (!upstreams) return undefined;
  const defaults = upstreams.defaults;
  const own = upstreams.overrides.get(destination);
  if (!own) return defaults;
  return defaults ? layer(defaults, own) : own;
}

/** `top`'s fields over `bottom`'s. */
function layer(bottom: UpstreamOverrideModel, top: UpstreamOverrideModel): UpstreamOverrideModel {
  return {
    connectTimeoutMs: top.connectTimeoutMs ?? bottom.connectTimeoutMs,
    circuitBreaker: top.circuitBreaker || bottom.circuitBreaker ? { ...bottom.circuitBreaker, ...top.circuitBreaker } : undefined,
    outlierDetection: top.outlierDetection || bottom.outlierDetection ? { ...bottom.outlierDetection, ...top.outlierDetection } : undefined,
  };
}

/**
 * The destination's policy as `caller` reaches it, or undefined when the caller sets nothing for
 * it. `registered`: what a Connect registration's upstream `Config` says, over the entry's.
 */
export function callerPolicy(
  config: MeshConfigModel | undefined,
  caller: string,
  destination: string,
  base: TrafficPolicyModel,
  registered?: UpstreamOverrideModel,
): TrafficPolicyModel | undefined {
  const fromEntry = callerOverride(config?.callerUpstreams?.get(caller), destination);
  const override = fromEntry && registered ? layer(fromEntry, registered) : (registered ?? fromEntry);
  if (!override) return undefined;
  const breaker = base.circuitBreaker ?? { maxConnections: undefined, maxPendingRequests: undefined, maxRequests: undefined, maxRetries: undefined };
  const outlier = base.outlierDetection ?? { consecutive5xx: undefined, consecutiveGatewayErrors: undefined, intervalMs: undefined, baseEjectionTimeMs: undefined, maxEjectionPercent: undefined };
  return {
    ...base,
    connectTimeoutMs: override.connectTimeoutMs ?? base.connectTimeoutMs,
    circuitBreaker: override.circuitBreaker ? { ...breaker, ...override.circuitBreaker } : base.circuitBreaker,
    outlierDetection: override.outlierDetection ? { ...outlier, ...override.outlierDetection } : base.outlierDetection,
  };
}

function definedOnly<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}
