import { aggregateHealth } from './instance-health';
import { JsonShape } from './json-shape';
import type { ServiceInstance } from './service-instance';

/**
 * Reads a `/v1/health/service/:name` answer into the instances to serve, sorted by node and id
 * so that the content hash does not depend on Consul's order.
 *
 * Health policy (README, "Health"), the same as Consul's own xDS server: an instance with any critical
 * check (node checks included) is removed; an instance whose worst check is warning is kept,
 * marked 'warning', and carries its Weights.Warning so the translator can give it less traffic
 * (Weights.Warning = 0 drains it). This is why the query does not use `?passing`, which would
 * drop warning instances too and turn a degraded dependency into a hard outage.
 */
export function parseHealthEntries(body: unknown, path: string, service: string): readonly ServiceInstance[] {
  const shape = new JsonShape(path);
  const instances: ServiceInstance[] = [];
  shape.array(body, '').forEach((raw, i) => {
    const at = `[${i}]`;
    const entry = shape.object(raw, at);
    const node = shape.object(entry.Node, `${at}.Node`);
    const svc = shape.object(entry.Service, `${at}.Service`);
    const checks = shape.array(entry.Checks ?? [], `${at}.Checks`);
    const statuses = checks.map((check, c) => shape.string(shape.object(check, `${at}.Checks[${c}]`).Status, `${at}.Checks[${c}].Status`));
    const health = aggregateHealth(statuses);
    if (health === 'critical') return;
    const weights = svc.Weights === undefined || svc.Weights === null ? undefined : shape.object(svc.Weights, `${at}.Service.Weights`);
    const serviceAddress = shape.optionalString(svc.Address, `${at}.Service.Address`);
    instances.push(
      Object.freeze({
        id: shape.string(svc.ID, `${at}.Service.ID`),
        service,
        node: shape.string(node.Node, `${at}.Node.Node`),
        address: serviceAddress !== '' ? serviceAddress : shape.string(node.Address, `${at}.Node.Address`),
        port: shape.integer(svc.Port, `${at}.Service.Port`),
        tags: Object.freeze([...shape.stringList(svc.Tags, `${at}.Service.Tags`)]),
        meta: Object.freeze(shape.stringMap(svc.Meta, `${at}.Service.Meta`)),
        health,
        weights: Object.freeze({
          passing: weights?.Passing === undefined ? 1 : shape.integer(weights.Passing, `${at}.Service.Weights.Passing`),
          warning: weights?.Warning === undefined ? 1 : shape.integer(weights.Warning, `${at}.Service.Weights.Warning`),
        }),
      }),
    );
  });
  instances.sort((a, b) => compare(a.node, b.node) || compare(a.id, b.id));
  return Object.freeze(instances);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
