import { nanosecondsOrDurationMs, optionalInteger, unsupportedFields } from './entry-fields';
import type { JsonObject, JsonShape } from './json-shape';

/**
 * What a caller's `service-defaults` `UpstreamConfig` sets for the connections its sidecar makes
 * to one upstream, or to all of them (`Defaults`). Consul applies it on the caller's side, so two
 * callers of the same service may reach it with different limits.
 */
export interface UpstreamSettings {
  readonly connectTimeoutMs: number | undefined;
  readonly limits: UpstreamLimits | undefined;
  readonly passiveHealthCheck: PassiveHealthCheck | undefined;
}

export interface UpstreamLimits {
  readonly maxConnections: number | undefined;
  readonly maxPendingRequests: number | undefined;
  readonly maxConcurrentRequests: number | undefined;
}

export interface PassiveHealthCheck {
  readonly intervalMs: number | undefined;
  readonly maxFailures: number | undefined;
  readonly enforcingConsecutive5xx: number | undefined;
  readonly maxEjectionPercent: number | undefined;
  readonly baseEjectionTimeMs: number | undefined;
}

export interface UpstreamConfig {
  readonly defaults: UpstreamSettings | undefined;
  /** By upstream service name. */
  readonly overrides: ReadonlyMap<string, UpstreamSettings>;
}

const SERVED = ['ConnectTimeoutMs', 'Limits', 'PassiveHealthCheck'];

/**
 * A field by its config-entry name, or by the snake_case alias a registration's opaque
 * `Config` map may use instead (Consul accepts both, and copies entries into it as structs).
 */
const ALIASES: Readonly<Record<string, string>> = {
  ConnectTimeoutMs: 'connect_timeout_ms',
  Limits: 'limits',
  PassiveHealthCheck: 'passive_health_check',
  MaxConnections: 'max_connections',
  MaxPendingRequests: 'max_pending_requests',
  MaxConcurrentRequests: 'max_concurrent_requests',
  Interval: 'interval',
  MaxFailures: 'max_failures',
  EnforcingConsecutive5xx: 'enforcing_consecutive_5xx',
  MaxEjectionPercent: 'max_ejection_percent',
  BaseEjectionTime: 'base_ejection_time',
};

function field(object: JsonObject, name: string): unknown {
  return object[name] ?? object[ALIASES[name] ?? name];
}

function optionalObject(shape: JsonShape, object: JsonObject, name: string, at: string): JsonObject | undefined {
  const value = field(object, name);
  return value === undefined || value === null ? undefined : shape.object(value, `${at}.${name}`);
}

function readSettings(shape: JsonShape, object: JsonObject, at: string): UpstreamSettings {
  const limits = optionalObject(shape, object, 'Limits', at);
  const check = optionalObject(shape, object, 'PassiveHealthCheck', at);
  const int = (from: JsonObject, name: string, path: string): number | undefined => optionalInteger(shape, field(from, name), `${path}.${name}`);
  const connectTimeoutMs = int(object, 'ConnectTimeoutMs', at);
  return {
    connectTimeoutMs: connectTimeoutMs === 0 ? undefined : connectTimeoutMs,
    limits: limits && {
      maxConnections: int(limits, 'MaxConnections', `${at}.Limits`),
      maxPendingRequests: int(limits, 'MaxPendingRequests', `${at}.Limits`),
      maxConcurrentRequests: int(limits, 'MaxConcurrentRequests', `${at}.Limits`),
    },
    passiveHealthCheck: check && {
      intervalMs: nanosecondsOrDurationMs(shape, field(check, 'Interval'), `${at}.PassiveHealthCheck.Interval`),
      maxFailures: int(check, 'MaxFailures', `${at}.PassiveHealthCheck`),
      enforcingConsecutive5xx: int(check, 'EnforcingConsecutive5xx', `${at}.PassiveHealthCheck`),
      maxEjectionPercent: int(check, 'MaxEjectionPercent', `${at}.PassiveHealthCheck`),
      baseEjectionTimeMs: nanosecondsOrDurationMs(shape, field(check, 'BaseEjectionTime'), `${at}.PassiveHealthCheck.BaseEjectionTime`),
    },
  };
}

/**
 * An ingress-gateway service's (or the entry's `Defaults'`) limits and passive health check: the
 * same settings, with the limits as flat fields. Consul applies them to the gateway's clusters.
 */
export function parseIngressSettings(shape: JsonShape, object: JsonObject, at: string): UpstreamSettings | undefined {
  const int = (name: string): number | undefined => optionalInteger(shape, object[name], `${at}.${name}`) || undefined;
  const limits = { maxConnections: int('MaxConnections'), maxPendingRequests: int('MaxPendingRequests'), maxConcurrentRequests: int('MaxConcurrentRequests') };
  const { passiveHealthCheck } = readSettings(shape, { PassiveHealthCheck: object.PassiveHealthCheck }, at);
  const hasLimits = Object.values(limits).some((v) => v !== undefined);
  return hasLimits || passiveHealthCheck ? { connectTimeoutMs: undefined, limits: hasLimits ? limits : undefined, passiveHealthCheck } : undefined;
}

function settings(shape: JsonShape, object: JsonObject, at: string, label: string, unsupported: string[], served: readonly string[] = SERVED): UpstreamSettings {
  unsupported.push(...unsupportedFields(object, served, label));
  return readSettings(shape, object, at);
}

/** What a Connect registration's `Proxy.Upstreams[i].Config` says of how the sidecar connects to that upstream. */
export interface RegisteredUpstreamConfig {
  readonly settings: UpstreamSettings | undefined;
  readonly protocol: string | undefined;
}

const REGISTRATION_SERVED = ['connect_timeout_ms', 'limits', 'passive_health_check', 'protocol'];

/**
 * Reads an upstream's opaque `Config` map. Consul's agent merges the caller's service-defaults
 * UpstreamConfig into it, so it holds the settings as Consul itself would apply them.
 */
export function parseRegisteredUpstreamConfig(shape: JsonShape, value: unknown, at: string, path: string, ignored: string[]): RegisteredUpstreamConfig {
  if (value === undefined || value === null) return { settings: undefined, protocol: undefined };
  const object = shape.object(value, at);
  ignored.push(...Object.keys(object).filter((key) => !REGISTRATION_SERVED.includes(key)).map((key) => `${path}.${key}: not served`));
  const read = readSettings(shape, object, at);
  const set = read.connectTimeoutMs !== undefined || read.limits !== undefined || read.passiveHealthCheck !== undefined;
  const protocol = object.protocol === undefined || object.protocol === null ? undefined : shape.string(object.protocol, `${at}.protocol`);
  return { settings: set ? read : undefined, protocol };
}

/** Reads `UpstreamConfig`; every field it does not serve goes to `unsupported` with its path. */
export function parseUpstreamConfig(shape: JsonShape, value: unknown, at: string, label: string, unsupported: string[]): UpstreamConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const object = shape.object(value, at);
  unsupported.push(...unsupportedFields(object, ['Defaults', 'Overrides'], label));
  const defaults = object.Defaults === undefined || object.Defaults === null ? undefined : settings(shape, shape.object(object.Defaults, `${at}.Defaults`), `${at}.Defaults`, `${label}Defaults.`, unsupported);
  const overrides = new Map<string, UpstreamSettings>();
  const list = object.Overrides === undefined || object.Overrides === null ? [] : shape.array(object.Overrides, `${at}.Overrides`);
  list.forEach((raw, i) => {
    const o = shape.object(raw, `${at}.Overrides[${i}]`);
    const name = shape.string(o.Name, `${at}.Overrides[${i}].Name`);
    // Peer, Namespace and Partition name upstreams this control plane does not serve.
    const elsewhere = ['Peer', 'Namespace', 'Partition'].some((field) => typeof o[field] === 'string' && !['', 'default'].includes(o[field]));
    if (elsewhere) {
      unsupported.push(`${label}Overrides[${i}] (${name}): upstreams in other peers, namespaces or partitions`);
      return;
    }
    overrides.set(name, settings(shape, o, `${at}.Overrides[${i}]`, `${label}Overrides[${i}].`, unsupported, [...SERVED, 'Name', 'Peer']));
  });
  return defaults === undefined && overrides.size === 0 ? undefined : { defaults, overrides };
}
