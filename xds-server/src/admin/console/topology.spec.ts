import type { CatalogSnapshot } from '../../consul/catalog-snapshot';
import type { CheckState } from '../../consul/health-state';
import type { ServiceInstance } from '../../consul/service-instance';
import type { MeshDefinition } from '../../dsl/mesh-definition';
import { buildTopology } from './topology';

const instance = (service: string, id: string, health: 'passing' | 'warning' = 'passing'): ServiceInstance => ({
  id,
  service,
  node: 'dev',
  address: '127.0.0.1',
  port: 3000,
  tags: [],
  meta: {},
  health,
  weights: { passing: 1, warning: 1 },
});

const check = (serviceName: string, serviceId: string, status: string, node = 'dev'): CheckState => ({ node, checkId: `${serviceId}:http`, serviceId, serviceName, status, createIndex: 1, modifyIndex: 1 });

const catalog = (services: Record<string, ServiceInstance[]>): CatalogSnapshot => ({ services: new Map(Object.entries(services)), observedAt: 0, changed: [], version: 'v' });

const definition = {
  name: 'demo',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' }, 'pi-1': { address: '192.168.50.11', arch: 'arm64' } },
  services: {
    user: { nodes: ['pi-1'], port: 3002, sidecar: { port: 21002, adminPort: 19002 }, upstreams: [{ service: 'document', localBindPort: 9003 }] },
    document: { nodes: ['local'], port: 3003, sidecar: { port: 21003, adminPort: 19003 } },
    workflows: { nodes: ['local'], port: 3006, sidecar: { port: 21006, adminPort: 19006 }, env: { TEMPORAL_TASK_QUEUE: 'q' }, upstreams: ['user'] },
  },
  gateway: { node: 'local', routes: [{ prefix: '/users', service: 'user' }] },
} as unknown as MeshDefinition;

describe('buildTopology', () => {
  it('shows critical instances the served catalog dropped, from their checks, and node checks count for every instance', () => {
    const topology = buildTopology({
      catalog: catalog({ document: [instance('document', 'document-1')], user: [instance('user', 'user-1', 'warning')] }),
      checks: [check('document', 'document-1', 'passing'), check('document', 'document-2', 'critical'), check('user', 'user-1', 'warning'), check('', '', 'passing')],
      definition,
      gatewayProxies: ['gateway-1'],
    });
    const document = topology.services.find((s) => s.name === 'document');
    expect(document?.instances.map((i) => [i.id, i.health])).toEqual([
      ['document-1', 'passing'],
      ['document-2', 'critical'],
    ]);
    const failingNode = buildTopology({ catalog: catalog({ document: [instance('document', 'document-1')] }), checks: [check('document', 'document-1', 'passing'), { ...check('', 'serfHealth', 'critical'), serviceId: '' }], definition, gatewayProxies: [] });
    expect(failingNode.services.find((s) => s.name === 'document')?.instances[0]?.health).toBe('critical');
  });

  it('groups services by their DSL node, names the worker and the gateway, and draws the declared edges', () => {
    const topology = buildTopology({ catalog: catalog({ billing: [instance('billing', 'billing-1')], consul: [] }), checks: [], definition, gatewayProxies: ['gateway-1'] });
    expect(topology.groups).toEqual([
      { node: 'local', address: '127.0.0.1', services: ['document', 'workflows', 'gateway'] },
      { node: 'pi-1', address: '192.168.50.11', services: ['user'] },
      { node: '', services: ['billing'] },
    ]);
    expect(topology.services.find((s) => s.name === 'workflows')?.kind).toBe('worker');
    expect(topology.services.find((s) => s.name === 'gateway')).toMatchObject({ kind: 'gateway', instances: [{ id: 'gateway-1' }] });
    expect(topology.services.some((s) => s.name === 'consul')).toBe(false);
    expect(topology.edges).toEqual([
      { from: 'user', to: 'document', declared: 'upstream' },
      { from: 'workflows', to: 'user', declared: 'upstream' },
      { from: 'gateway', to: 'user', declared: 'gateway' },
    ]);
  });
});
