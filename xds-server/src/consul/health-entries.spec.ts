import { ConsulResponseError } from './consul-errors';
import { parseHealthEntries } from './health-entries';

const PATH = '/v1/health/service/web';

interface EntryOptions {
  id: string;
  node?: string;
  nodeAddress?: string;
  address?: string;
  port?: number;
  checks?: Array<[string, string]>;
  weights?: { Passing: number; Warning: number } | null;
  tags?: string[] | null;
  meta?: Record<string, string> | null;
}

/** One element of /v1/health/service/:name, in the shape Consul 1.22 returns. */
function entry(o: EntryOptions): unknown {
  const node = o.node ?? 'node-1';
  return {
    Node: { ID: 'f1e2', Node: node, Address: o.nodeAddress ?? '10.0.0.1', Datacenter: 'dc1', TaggedAddresses: null, Meta: {} },
    Service: {
      ID: o.id,
      Service: 'web',
      Tags: o.tags === undefined ? ['v1'] : o.tags,
      Address: o.address ?? '',
      Meta: o.meta === undefined ? { version: '1' } : o.meta,
      Port: o.port ?? 8080,
      ...(o.weights !== null && { Weights: o.weights ?? { Passing: 1, Warning: 1 } }),
    },
    Checks: (o.checks ?? [['serfHealth', 'passing']]).map(([CheckID, Status]) => ({
      Node: node,
      CheckID,
      Status,
      ServiceID: CheckID === 'serfHealth' ? '' : o.id,
    })),
  };
}

describe('parseHealthEntries', () => {
  it('maps an entry to an instance, falling back to the node address', () => {
    const [instance] = parseHealthEntries([entry({ id: 'web-1', nodeAddress: '10.0.0.7' })], PATH, 'web');
    expect(instance).toEqual({
      id: 'web-1',
      service: 'web',
      node: 'node-1',
      address: '10.0.0.7',
      port: 8080,
      tags: ['v1'],
      meta: { version: '1' },
      health: 'passing',
      weights: { passing: 1, warning: 1 },
    });
  });

  it('prefers Service.Address when set', () => {
    const [instance] = parseHealthEntries([entry({ id: 'web-1', address: '127.0.0.1', nodeAddress: '10.0.0.7' })], PATH, 'web');
    expect(instance?.address).toBe('127.0.0.1');
  });

  it('removes instances with any critical check, node checks included', () => {
    const instances = parseHealthEntries(
      [
        entry({ id: 'ok', checks: [['serfHealth', 'passing'], ['service:ok', 'passing']] }),
        entry({ id: 'service-down', checks: [['serfHealth', 'passing'], ['service:service-down', 'critical']] }),
        entry({ id: 'node-down', checks: [['serfHealth', 'critical'], ['service:node-down', 'passing']] }),
      ],
      PATH,
      'web',
    );
    expect(instances.map((i) => i.id)).toEqual(['ok']);
  });

  it('keeps a gateway registration while its check is critical, marked with its kind: its own Envoy is served from it', () => {
    const gateway = entry({ id: 'ingress', checks: [['serfHealth', 'passing'], ['service:ingress', 'critical']] }) as { Service: Record<string, unknown> };
    gateway.Service.Kind = 'ingress-gateway';
    gateway.Service.Proxy = { Config: { protocol: 'http', envoy_gateway_no_default_bind: true } };
    const other = entry({ id: 'web-2', checks: [['service:web-2', 'critical']] }) as { Service: Record<string, unknown> };
    other.Service.Kind = 'typical';
    expect(parseHealthEntries([gateway, other], PATH, 'web').map((i) => [i.id, i.health, i.gateway])).toEqual([
      ['ingress', 'critical', { kind: 'ingress-gateway', ignored: ['Proxy.Config.envoy_gateway_no_default_bind: not served'] }],
    ]);
  });

  it('keeps warning instances, marked warning, with their warning weight for the translator', () => {
    const [instance] = parseHealthEntries(
      [entry({ id: 'slow', checks: [['serfHealth', 'passing'], ['service:slow', 'warning']], weights: { Passing: 10, Warning: 1 } })],
      PATH,
      'web',
    );
    expect(instance?.health).toBe('warning');
    expect(instance?.weights).toEqual({ passing: 10, warning: 1 });
  });

  it('sorts by node then id, so the content does not depend on Consul order', () => {
    const instances = parseHealthEntries(
      [entry({ id: 'b', node: 'n2' }), entry({ id: 'z', node: 'n1' }), entry({ id: 'a', node: 'n2' })],
      PATH,
      'web',
    );
    expect(instances.map((i) => `${i.node}/${i.id}`)).toEqual(['n1/z', 'n2/a', 'n2/b']);
  });

  it('reads Go nils: null tags, meta and missing weights get their defaults', () => {
    const [instance] = parseHealthEntries([entry({ id: 'bare', tags: null, meta: null, weights: null })], PATH, 'web');
    expect(instance).toMatchObject({ tags: [], meta: {}, weights: { passing: 1, warning: 1 } });
  });

  it('returns frozen data', () => {
    const instances = parseHealthEntries([entry({ id: 'web-1' })], PATH, 'web');
    expect(Object.isFrozen(instances)).toBe(true);
    expect(Object.isFrozen(instances[0])).toBe(true);
    expect(Object.isFrozen(instances[0]?.tags)).toBe(true);
    expect(Object.isFrozen(instances[0]?.meta)).toBe(true);
  });

  it('is empty for a service without instances', () => {
    expect(parseHealthEntries([], PATH, 'web')).toEqual([]);
  });

  it('names the exact field when the shape is wrong', () => {
    const bad = entry({ id: 'web-1' }) as { Service: { Port: unknown } };
    bad.Service.Port = '8080';
    expect(() => parseHealthEntries([entry({ id: 'ok' }), bad], PATH, 'web')).toThrow(ConsulResponseError);
    expect(() => parseHealthEntries([entry({ id: 'ok' }), bad], PATH, 'web')).toThrow(
      "Consul's answer to GET /v1/health/service/web cannot be read: [1].Service.Port should be an integer, got string.",
    );
    expect(() => parseHealthEntries({}, PATH, 'web')).toThrow('the body should be an array, got object');
  });
});
