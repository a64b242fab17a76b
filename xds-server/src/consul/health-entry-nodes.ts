import { JsonShape } from './json-shape';

/**
 * The nodes of every entry of a `/v1/health/service/:name` answer, critical ones included:
 * when a node check recovers, the services whose instances it had removed must be read again,
 * and those instances are no longer among the ones served.
 */
export function healthEntryNodes(body: unknown, path: string): readonly string[] {
  const shape = new JsonShape(path);
  const nodes = new Set<string>();
  shape.array(body, '').forEach((raw, i) => {
    const node = shape.object(shape.object(raw, `[${i}]`).Node, `[${i}].Node`);
    nodes.add(shape.string(node.Node, `[${i}].Node.Node`));
  });
  return Object.freeze([...nodes].sort());
}
