import { PUSH_ORDER, TYPE_SHORT_NAME, type TypeShortName } from '../../resources/type-url';
import type { Json } from './envoy-json';

export type ResourceType = TypeShortName;

export interface ConfigResource {
  type: ResourceType;
  name: string;
  value: Json;
}

export interface FieldDifference {
  /** `endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value` */
  path: string;
  intended: Json | undefined;
  held: Json | undefined;
}

export interface ResourceDiff {
  type: ResourceType;
  name: string;
  /** `missing`: intended but not held; `unexpected`: held but no longer intended. */
  status: 'in sync' | 'differs' | 'missing' | 'unexpected';
  differences: FieldDifference[];
}

export interface DiffReport {
  inSync: boolean;
  resources: ResourceDiff[];
}

/** Fields Envoy redacts in its dump: never comparable. */
const REDACTED = new Set(['private_key', 'password', 'session_ticket_keys']);

type JsonObject = { [key: string]: Json };
const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The dynamic resources an Envoy holds, from its `/config_dump?include_eds`. */
export function heldResources(configDump: Json): ConfigResource[] {
  const held: ConfigResource[] = [];
  const configs = isObject(configDump) && Array.isArray(configDump.configs) ? configDump.configs : [];
  const push = (type: ResourceType, value: Json | undefined, name?: Json) => {
    if (!isObject(value)) return;
    const { '@type': _type, ...rest } = value;
    const resourceName = typeof name === 'string' ? name : typeof rest.name === 'string' ? rest.name : typeof rest.cluster_name === 'string' ? rest.cluster_name : '';
    held.push({ type, name: resourceName, value: rest });
  };
  for (const config of configs) {
    if (!isObject(config)) continue;
    const kind = String(config['@type'] ?? '');
    const list = (key: string): JsonObject[] => (Array.isArray(config[key]) ? (config[key] as Json[]).filter(isObject) : []);
    if (kind.endsWith('ClustersConfigDump')) for (const c of list('dynamic_active_clusters')) push('CDS', c.cluster);
    else if (kind.endsWith('EndpointsConfigDump')) for (const c of list('dynamic_endpoint_configs')) push('EDS', c.endpoint_config);
    else if (kind.endsWith('ListenersConfigDump')) {
      for (const l of list('dynamic_listeners')) if (isObject(l.active_state)) push('LDS', l.active_state.listener, l.name);
    } else if (kind.endsWith('ScopedRoutesConfigDump')) {
      for (const group of list('dynamic_scoped_route_configs')) for (const scope of Array.isArray(group.scoped_route_configs) ? group.scoped_route_configs : []) push('SRDS', scope);
    } else if (kind.endsWith('RoutesConfigDump')) for (const r of list('dynamic_route_configs')) push('RDS', r.route_config);
    else if (kind.endsWith('SecretsConfigDump')) for (const s of list('dynamic_active_secrets')) push('SDS', s.secret, s.name);
  }
  return held;
}

/**
 * Compares what the control plane intends a proxy to hold with what it holds, resource by
 * resource and field by field. Noise-free: resource order and list order are ignored (a list
 * element matches any held element equal to it), a field Envoy leaves out is equal to an
 * intended default (false, 0, "", empty), and fields only Envoy has (its own defaults, status
 * it adds) are not differences. Types the proxy has not subscribed to are not compared.
 */
export function diffConfig(intended: readonly ConfigResource[], held: readonly ConfigResource[]): DiffReport {
  const key = (r: ConfigResource) => `${r.type}\0${r.name}`;
  const heldByKey = new Map(held.map((r) => [key(r), r]));
  const intendedKeys = new Set(intended.map(key));
  const types = new Set(intended.map((r) => r.type));
  const resources: ResourceDiff[] = [];
  for (const resource of intended) {
    const holding = heldByKey.get(key(resource));
    if (!holding) {
      resources.push({ type: resource.type, name: resource.name, status: 'missing', differences: [] });
      continue;
    }
    const differences: FieldDifference[] = [];
    compare(resource.value, holding.value, '', differences);
    resources.push({ type: resource.type, name: resource.name, status: differences.length ? 'differs' : 'in sync', differences });
  }
  // Envoy's EDS dump also lists the inline endpoints of static clusters; only EDS clusters' count.
  const edsClusters = new Set(held.filter((r) => r.type === 'CDS' && isObject(r.value) && r.value.eds_cluster_config !== undefined).map((r) => r.name));
  for (const resource of held) {
    if (!types.has(resource.type) || intendedKeys.has(key(resource))) continue;
    if (resource.type === 'EDS' && !edsClusters.has(resource.name)) continue;
    resources.push({ type: resource.type, name: resource.name, status: 'unexpected', differences: [] });
  }
  const order: readonly ResourceType[] = PUSH_ORDER.map((t) => TYPE_SHORT_NAME[t]);
  resources.sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { inSync: resources.every((r) => r.status === 'in sync'), resources };
}

function isEmpty(v: Json | undefined): boolean {
  return v === undefined || v === null || v === false || v === 0 || v === '' || v === '0' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

const DURATION = /^(-?\d+(?:\.\d+)?)s$/;

function scalarEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  const num = (v: Json): number | undefined => {
    if (typeof v === 'number') return v;
    if (typeof v !== 'string') return undefined;
    const d = DURATION.exec(v);
    if (d) return Number(d[1]);
    return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
  };
  const x = num(a);
  return x !== undefined && x === num(b);
}

function compare(intended: Json | undefined, held: Json | undefined, path: string, out: FieldDifference[]): void {
  if (held === undefined || held === null) {
    if (!isEmpty(intended)) out.push({ path: path || '(resource)', intended, held: undefined });
    return;
  }
  if (isObject(intended)) {
    if (!isObject(held)) {
      out.push({ path, intended, held });
      return;
    }
    for (const [field, value] of Object.entries(intended)) {
      if (REDACTED.has(field)) continue;
      compare(value, held[field], path ? `${path}.${field}` : field, out);
    }
    return;
  }
  if (Array.isArray(intended)) {
    if (!Array.isArray(held)) {
      out.push({ path, intended, held });
      return;
    }
    compareLists(intended, held, path, out);
    return;
  }
  if (intended === undefined || !scalarEqual(intended, held)) out.push({ path, intended, held });
}

function nameOf(v: Json | undefined): string | undefined {
  return isObject(v) && typeof v.name === 'string' ? v.name : undefined;
}

function compareLists(intended: Json[], held: Json[], path: string, out: FieldDifference[]): void {
  const used = new Set<number>();
  intended.forEach((element, index) => {
    const name = nameOf(element);
    const label = name !== undefined ? `${path}[name=${name}]` : `${path}[${index}]`;
    if (name !== undefined) {
      const at = held.findIndex((h, i) => !used.has(i) && nameOf(h) === name);
      if (at < 0) {
        out.push({ path: label, intended: element, held: undefined });
        return;
      }
      used.add(at);
      compare(element, held[at], label, out);
      return;
    }
    const equal = held.findIndex((h, i) => {
      if (used.has(i)) return false;
      const probe: FieldDifference[] = [];
      compare(element, h, label, probe);
      return probe.length === 0;
    });
    if (equal >= 0) {
      used.add(equal);
      return;
    }
    // No held element equals it: report field by field against the one at its place.
    const fallback = !used.has(index) && index < held.length ? index : held.findIndex((_, i) => !used.has(i));
    if (fallback < 0) {
      out.push({ path: label, intended: element, held: undefined });
      return;
    }
    used.add(fallback);
    compare(element, held[fallback], label, out);
  });
  // Held elements left over that are not intended.
  held.forEach((element, index) => {
    if (!used.has(index) && intended.length > 0) out.push({ path: `${path}[${nameOf(element) !== undefined ? `name=${nameOf(element)}` : index}]`, intended: undefined, held: element });
  });
}

/** One line per difference, for `mesh diff` and the console. */
export function formatDiff(report: DiffReport): string[] {
  const lines: string[] = [];
  for (const r of report.resources) {
    if (r.status === 'in sync') continue;
    if (r.status !== 'differs') {
      lines.push(`${r.type} ${r.name}: ${r.status === 'missing' ? 'intended, not held by the proxy' : 'held by the proxy, no longer intended'}`);
      continue;
    }
    for (const d of r.differences) lines.push(`${r.type} ${r.name} ${d.path}: intended ${show(d.intended)}, held ${show(d.held)}`);
  }
  return lines;
}

function show(v: Json | undefined): string {
  if (v === undefined) return '(absent)';
  const text = JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
