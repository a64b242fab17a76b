import { parse } from 'yaml';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { generateBootstrap } from './bootstrap.generator';
import { generateConsul } from './consul.generator';

const mesh = (controlPlane?: string[]): MeshDefinition => ({
  name: 'test',
  nodes: {
    a: { address: '10.0.0.1', arch: 'arm64' },
    b: { address: '10.0.0.2', arch: 'arm64' },
    c: { address: '10.0.0.3', arch: 'arm64' },
  },
  services: { api: { nodes: ['b', 'c'], command: 'node api.js', port: 3100, sidecar: { port: 21000, adminPort: 19100 } } },
  ...(controlPlane ? { controlPlane: { nodes: controlPlane } } : {}),
});

interface XdsCluster {
  name: string;
  transport_socket?: { typed_config: { sni: string; common_tls_context: { alpn_protocols: string[]; validation_context: { trusted_ca: { filename: string }; match_typed_subject_alt_names: unknown[] } } } };
  health_checks?: unknown[];
  load_assignment: { endpoints: Array<{ priority?: number; lb_endpoints: Array<{ endpoint: { address: { socket_address: { address: string } } } }> }> };
}

function xdsCluster(files: ReturnType<typeof generateBootstrap>, path: string): XdsCluster {
  const file = files.find((f) => f.path === path);
  if (!file) throw new Error(`no ${path} among ${files.map((f) => f.path).join(', ')}`);
  const bootstrap = parse(file.content) as { static_resources: { clusters: XdsCluster[] } };
  return bootstrap.static_resources.clusters.find((c) => c.name === 'xds_cluster') as XdsCluster;
}

const addressesByPriority = (cluster: XdsCluster) =>
  cluster.load_assignment.endpoints.map((e) => [e.priority ?? 0, e.lb_endpoints.map((l) => l.endpoint.address.socket_address.address)]);

describe('bootstraps and control-plane replicas', () => {
  it('list every replica, the own node first, with a health check to fail over', () => {
    const cluster = xdsCluster(generateBootstrap(mesh()), 'bootstrap/b/api.yaml');
    expect(addressesByPriority(cluster)).toEqual([
      [0, ['10.0.0.2']],
      [1, ['10.0.0.1', '10.0.0.3']],
    ]);
    expect(cluster.health_checks).toHaveLength(1);
  });

  it('on a node without a replica, prefer the first replica by node name', () => {
    const cluster = xdsCluster(generateBootstrap(mesh(['a', 'c'])), 'bootstrap/b/api.yaml');
    expect(addressesByPriority(cluster)).toEqual([
      [0, ['10.0.0.1']],
      [1, ['10.0.0.3']],
    ]);
  });
  it('reach the control plane over TLS, verifying its Consul certificate by the SPIFFE ID of mesh-control-plane', () => {
    const tls = xdsCluster(generateBootstrap(mesh()), 'bootstrap/b/api.yaml').transport_socket?.typed_config;
    expect(tls?.sni).toBe('mesh-control-plane');
    expect(tls?.common_tls_context.alpn_protocols).toEqual(['h2']);
    expect(tls?.common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: '/run/mesh/api/consul-ca.pem' },
      match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { suffix: '/svc/mesh-control-plane' } }],
    });
  });
});

describe('Consul agents', () => {
  it('form a raft cluster of the servers: each expects all of them and joins the others; clients join all', () => {
    const files = generateConsul({ ...mesh(), nodes: { ...mesh().nodes, d: { address: '10.0.0.4', arch: 'arm64' } } });
    const agent = (node: string) => files.find((f) => f.path === `consul/${node}/agent.hcl`)?.content ?? '';
    expect(agent('a')).toMatch(/server\s+= true/);
    expect(agent('a')).toMatch(/bootstrap_expect = 3/);
    expect(agent('a')).toMatch(/retry_join\s+= \["10\.0\.0\.2", "10\.0\.0\.3"\]/);
    expect(agent('d')).toMatch(/server\s+= false/);
    expect(agent('d')).not.toMatch(/bootstrap_expect/);
    expect(agent('d')).toMatch(/retry_join\s+= \["10\.0\.0\.1", "10\.0\.0\.2", "10\.0\.0\.3"\]/);
  });

  it('register each instance with its own node\'s address', () => {
    const files = generateConsul(mesh());
    expect(files.find((f) => f.path === 'consul/b/api.hcl')?.content).toMatch(/address\s+= "10\.0\.0\.2"/);
    expect(files.find((f) => f.path === 'consul/c/api.hcl')?.content).toMatch(/address\s+= "10\.0\.0\.3"/);
  });

});
