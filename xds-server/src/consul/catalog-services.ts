import { JsonShape } from './json-shape';

/** Service name → its tags (the union over its instances, sorted), keys sorted. */
export type CatalogServiceTags = Readonly<Record<string, readonly string[]>>;

/** Reads a `/v1/catalog/services` answer (service name → tags) into the sorted service names. */
export function parseCatalogServices(body: unknown, path: string): readonly string[] {
  return Object.freeze(Object.keys(parseCatalogServiceTags(body, path)));
}

/**
 * Reads a `/v1/catalog/services` answer with its tags. A service whose tags change is read
 * again; the tags served still come from the service's own health answer.
 */
export function parseCatalogServiceTags(body: unknown, path: string): CatalogServiceTags {
  const shape = new JsonShape(path);
  const services = shape.object(body, '');
  const out: Record<string, readonly string[]> = {};
  for (const name of Object.keys(services).sort()) out[name] = Object.freeze([...new Set(shape.stringList(services[name], name))].sort());
  return Object.freeze(out);
}
