import { CATALOG_SERVICES_PATH, healthServicePath } from './catalog-watcher';
import type { FakeConsul } from './fake-consul.spec-helper';
import { HEALTH_STATE_PATH } from './health-state';
import { CATALOG_NODES_PATH, nodeServicesPath } from './instance-fingerprints';

type Status = 'passing' | 'warning' | 'critical';

interface Instance {
  service: string;
  id: string;
  node: string;
  port: number;
  tags: string[];
  /** The raft index of the instance's last registration. */
  modifyIndex: bigint;
  /** The instance's one service check; undefined = registered without checks. */
  check: { status: Status; createIndex: bigint; modifyIndex: bigint } | undefined;
}

interface NodeCheck {
  status: Status;
  createIndex: bigint;
  modifyIndex: bigint;
}

/**
 * A catalog on top of FakeConsul that writes like Consul's state store: every operation is one
 * raft write with its own index, which becomes the X-Consul-Index of each endpoint it touches
 * (`/v1/catalog/services` for the services table, `/v1/health/state/any` for the checks table,
 * `/v1/health/service/:name` for each service involved), and the CreateIndex/ModifyIndex of
 * the checks it writes.
 */
export class FakeCatalog {
  private index = 1000n;
  private readonly instances = new Map<string, Instance>();
  private readonly nodes = new Map<string, NodeCheck>();

  constructor(private readonly consul: FakeConsul) {
    this.write({ services: true, checks: true, touched: [] });
  }

  /** The index of the last write. */
  get lastIndex(): bigint {
    return this.index;
  }

  register(service: string, id: string, options: { port?: number; node?: string; tags?: string[]; check?: Status | null } = {}): bigint {
    const node = options.node ?? 'node-1';
    const index = this.next();
    const newNode = !this.nodes.has(node);
    if (newNode) this.nodes.set(node, { status: 'passing', createIndex: index, modifyIndex: index });
    const check = options.check === null ? undefined : { status: options.check ?? 'passing', createIndex: index, modifyIndex: index };
    this.instances.set(id, { service, id, node, port: options.port ?? 8080, tags: options.tags ?? [], modifyIndex: index, check });
    return this.write({ services: true, checks: newNode || check !== undefined, touched: [service] }, index);
  }

  /** Like Consul, moves the checks table's index even for an instance without checks (without waking its watchers). */
  deregister(id: string): bigint {
    const instance = this.get(id);
    this.instances.delete(id);
    const index = this.write({ services: true, checks: instance.check !== undefined, touched: [instance.service] });
    if (!instance.check) this.consul.set(HEALTH_STATE_PATH, this.checksBody(), { index, silent: true });
    return index;
  }

  setStatus(id: string, status: Status): bigint {
    const instance = this.get(id);
    const index = this.next();
    if (!instance.check) throw new Error(`fake catalog: ${id} has no check`);
    instance.check = { ...instance.check, status, modifyIndex: index };
    return this.write({ services: false, checks: true, touched: [instance.service] }, index);
  }

  setNodeStatus(node: string, status: Status): bigint {
    const check = this.nodes.get(node);
    if (!check) throw new Error(`fake catalog: no node ${node}`);
    const index = this.next();
    this.nodes.set(node, { ...check, status, modifyIndex: index });
    const touched = [...new Set([...this.instances.values()].filter((i) => i.node === node).map((i) => i.service))];
    return this.write({ services: false, checks: true, touched }, index);
  }

  /** A re-registration that changes only the port: the services table, not the checks. */
  setPort(id: string, port: number): bigint {
    const instance = this.get(id);
    const index = this.next();
    instance.port = port;
    instance.modifyIndex = index;
    return this.write({ services: true, checks: false, touched: [instance.service] }, index);
  }

  private get(id: string): Instance {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`fake catalog: no instance ${id}`);
    return instance;
  }

  private next(): bigint {
    this.index += 1n;
    return this.index;
  }

  private write(tables: { services: boolean; checks: boolean; touched: readonly string[] }, index = this.next()): bigint {
    if (tables.services) {
      this.consul.set(CATALOG_SERVICES_PATH, this.catalogBody(), { index });
      this.consul.set(CATALOG_NODES_PATH, [...this.nodes.keys()].map((node) => ({ Node: node, Address: '10.0.0.1' })), { index });
      for (const node of this.nodes.keys()) this.consul.set(nodeServicesPath(node), this.nodeServicesBody(node), { index });
    }
    if (tables.checks) this.consul.set(HEALTH_STATE_PATH, this.checksBody(), { index });
    for (const service of tables.touched) this.consul.set(healthServicePath(service), this.healthBody(service), { index });
    return index;
  }

  private catalogBody(): Record<string, string[]> {
    const body: Record<string, string[]> = { consul: [] };
    for (const i of this.instances.values()) body[i.service] = [...new Set([...(body[i.service] ?? []), ...i.tags])].sort();
    return body;
  }

  private nodeServicesBody(node: string): unknown {
    const services = [...this.instances.values()]
      .filter((i) => i.node === node)
      .map((i) => ({ ID: i.id, Service: i.service, Tags: i.tags, Port: i.port, CreateIndex: Number(i.modifyIndex), ModifyIndex: Number(i.modifyIndex) }));
    return { Node: { Node: node, Address: '10.0.0.1' }, Services: services };
  }

  private checksBody(): unknown[] {
    const checks: unknown[] = [];
    for (const [node, check] of this.nodes) checks.push(checkJson(node, 'serfHealth', '', '', check));
    for (const i of this.instances.values()) if (i.check) checks.push(checkJson(i.node, `service:${i.id}`, i.id, i.service, i.check));
    return checks;
  }

  private healthBody(service: string): unknown[] {
    return [...this.instances.values()]
      .filter((i) => i.service === service)
      .map((i) => {
        const node = this.nodes.get(i.node) as NodeCheck;
        return {
          Node: { ID: 'a1b2', Node: i.node, Address: '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: null, Meta: {} },
          Service: { ID: i.id, Service: i.service, Tags: i.tags, Address: '127.0.0.1', Meta: null, Port: i.port, Weights: { Passing: 1, Warning: 1 } },
          Checks: [
            { Node: i.node, CheckID: 'serfHealth', Status: node.status, ServiceID: '' },
            ...(i.check ? [{ Node: i.node, CheckID: `service:${i.id}`, Status: i.check.status, ServiceID: i.id }] : []),
          ],
        };
      });
  }
}

function checkJson(node: string, checkId: string, serviceId: string, serviceName: string, check: { status: Status; createIndex: bigint; modifyIndex: bigint }): unknown {
  return {
    Node: node,
    CheckID: checkId,
    Name: checkId,
    Status: check.status,
    Notes: '',
    Output: '',
    ServiceID: serviceId,
    ServiceName: serviceName,
    ServiceTags: [],
    Type: serviceId === '' ? '' : 'ttl',
    CreateIndex: Number(check.createIndex),
    ModifyIndex: Number(check.modifyIndex),
  };
}
