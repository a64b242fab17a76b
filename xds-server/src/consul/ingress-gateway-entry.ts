import type { EntryBase } from './config-entries';
import { type HeaderModifiers, headerModifiers, optional, unsupportedFields } from './entry-fields';
import type { JsonObject, JsonShape } from './json-shape';
import { parseIngressSettings, type UpstreamSettings } from './upstream-config';

/**
 * Consul's `ingress-gateway` config entry: the listeners of the gateway service it is named
 * after, and which mesh services each publishes (README, "Coming from Consul Connect").
 */

export interface IngressServiceEntry {
  /** A service name, or `*` for every service of the listener's protocol. */
  readonly name: string;
  /** Host names it answers to; empty for Consul's default `<name>.ingress.*`. */
  readonly hosts: readonly string[];
  readonly requestHeaders: HeaderModifiers | undefined;
  readonly responseHeaders: HeaderModifiers | undefined;
  /** Limits and passive health check for the gateway's connections to this service, over `Defaults`. */
  readonly settings?: UpstreamSettings;
}

export interface IngressListenerEntry {
  readonly port: number;
  /** As written; Consul's default is tcp. */
  readonly protocol: string;
  readonly services: readonly IngressServiceEntry[];
}

export interface IngressGatewayEntry extends EntryBase {
  readonly kind: 'ingress-gateway';
  readonly listeners: readonly IngressListenerEntry[];
  /** `Defaults`: limits and passive health check for every service the gateway publishes. */
  readonly defaults?: UpstreamSettings;
}

const SETTINGS_FIELDS = ['MaxConnections', 'MaxPendingRequests', 'MaxConcurrentRequests', 'PassiveHealthCheck'];
const SERVICE_FIELDS = ['Name', 'Hosts', 'RequestHeaders', 'ResponseHeaders', 'Namespace', 'Partition', ...SETTINGS_FIELDS];

function parseService(shape: JsonShape, raw: unknown, at: string, label: string, unsupported: string[]): IngressServiceEntry | undefined {
  const service = shape.object(raw, at);
  unsupported.push(...unsupportedFields(service, SERVICE_FIELDS, label));
  for (const field of ['Namespace', 'Partition'] as const) {
    const value = optional(shape, service[field], `${at}.${field}`);
    if (value !== undefined && value !== 'default') {
      // Only the default namespace and partition are served: the service is left out.
      unsupported.push(`${label}${field} "${value}"`);
      return undefined;
    }
  }
  const settings = parseIngressSettings(shape, service, at);
  return {
    name: shape.string(service.Name, `${at}.Name`),
    hosts: shape.stringList(service.Hosts, `${at}.Hosts`),
    requestHeaders: headerModifiers(shape, service.RequestHeaders, `${at}.RequestHeaders`),
    responseHeaders: headerModifiers(shape, service.ResponseHeaders, `${at}.ResponseHeaders`),
    ...(settings ? { settings } : {}),
  };
}

export function parseIngressGateway(shape: JsonShape, entry: JsonObject, at: string): IngressGatewayEntry {
  const name = shape.string(entry.Name, `${at}.Name`);
  const source = `ingress-gateway/${name}`;
  const unsupported = unsupportedFields(entry, ['Listeners', 'Defaults'], `${source}: `);
  const defaultsObject = entry.Defaults === undefined || entry.Defaults === null ? undefined : shape.object(entry.Defaults, `${at}.Defaults`);
  if (defaultsObject) unsupported.push(...unsupportedFields(defaultsObject, SETTINGS_FIELDS, `${source}: Defaults.`));
  const defaults = defaultsObject && parseIngressSettings(shape, defaultsObject, `${at}.Defaults`);
  const listeners = shape.array(entry.Listeners ?? [], `${at}.Listeners`).map((raw, i) => {
    const listener = shape.object(raw, `${at}.Listeners[${i}]`);
    const lat = `${at}.Listeners[${i}]`;
    const label = `${source}: Listeners[${i}].`;
    unsupported.push(...unsupportedFields(listener, ['Port', 'Protocol', 'Services'], label));
    const services = shape
      .array(listener.Services ?? [], `${lat}.Services`)
      .flatMap((s, j) => parseService(shape, s, `${lat}.Services[${j}]`, `${label}Services[${j}].`, unsupported) ?? []);
    return { port: shape.integer(listener.Port, `${lat}.Port`), protocol: optional(shape, listener.Protocol, `${lat}.Protocol`) ?? 'tcp', services };
  });
  return { kind: 'ingress-gateway', name, source, listeners, unsupported, ...(defaults ? { defaults } : {}) };
}
