import { JsonShape } from './json-shape';
import { parseAnswer, READ_TIMEOUT_MS, readConsul } from './consul-read';
import type { ConsulTransport } from './consul-transport';

export const CATALOG_NODES_PATH = '/v1/catalog/nodes';
export const nodeServicesPath = (node: string) => `/v1/catalog/node-services/${encodeURIComponent(node)}`;

/** Service name → its instances as `node/ID@ModifyIndex`, sorted: equal text, unchanged instances. */
export type InstanceFingerprints = ReadonlyMap<string, string>;

/** Node-services read at once: a mesh has far fewer nodes than services. */
const CONCURRENCY = 4;

export function parseCatalogNodes(body: unknown, path: string): string[] {
  const shape = new JsonShape(path);
  return shape.array(body, '').map((entry, i) => shape.string(shape.object(entry, `[${i}]`).Node, `[${i}].Node`));
}

/** The instances of one node's `/v1/catalog/node-services/:node` answer, as `[service, fingerprint]`. */
export function parseNodeServices(body: unknown, path: string, node: string): Array<[string, string]> {
  const shape = new JsonShape(path);
  const answer = shape.object(body, '');
  // A node deregistered between the two reads answers null: it has no instances left.
  if (answer.Services === undefined || answer.Services === null) return [];
  return shape.array(answer.Services, 'Services').map((entry, i) => {
    const at = `Services[${i}]`;
    const service = shape.object(entry, at);
    return [shape.string(service.Service, `${at}.Service`), `${node}/${shape.string(service.ID, `${at}.ID`)}@${shape.integer(service.ModifyIndex, `${at}.ModifyIndex`)}`];
  });
}

/**
 * Every instance in the catalog, read node by node: one read of the node list and one per
 * node, instead of one per service. What tells which service a write without any check
 * touched (an instance without checks registered or gone, a new port), since Consul's
 * services table index names no service.
 */
export async function readInstanceFingerprints(transport: ConsulTransport, signal: AbortSignal): Promise<InstanceFingerprints> {
  const read = async <T>(path: string, parse: (body: unknown, path: string) => T): Promise<T> => {
    const response = await readConsul(transport, { path, query: [], signal, timeoutMs: READ_TIMEOUT_MS });
    return parseAnswer(parse, response.body, path);
  };
  const nodes = await read(CATALOG_NODES_PATH, parseCatalogNodes);
  const instances = new Map<string, string[]>();
  for (let i = 0; i < nodes.length; i += CONCURRENCY) {
    const batch = nodes.slice(i, i + CONCURRENCY);
    const answers = await Promise.all(batch.map((node) => read(nodeServicesPath(node), (body, path) => parseNodeServices(body, path, node))));
    for (const [service, fingerprint] of answers.flat()) {
      const list = instances.get(service);
      if (list) list.push(fingerprint);
      else instances.set(service, [fingerprint]);
    }
  }
  return new Map([...instances].map(([service, list]) => [service, list.sort().join('\n')]));
}

/** The services whose instances differ between two readings, either way. */
export function changedServices(before: InstanceFingerprints, after: InstanceFingerprints): Set<string> {
  const changed = new Set<string>();
  for (const [service, fingerprint] of after) if (before.get(service) !== fingerprint) changed.add(service);
  for (const service of before.keys()) if (!after.has(service)) changed.add(service);
  return changed;
}
