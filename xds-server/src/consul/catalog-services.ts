import { JsonShape } from './json-shape';

/** Reads a `/v1/catalog/services` answer (service name → tags) into the sorted service names. */
export function parseCatalogServices(body: unknown, path: string): readonly string[] {
  const services = new JsonShape(path).object(body, '');
  // Tags are ignored here: they reach the snapshot through each service's health watch.
  return Object.freeze(Object.keys(services).sort());
}
