import type { MeshDefinition } from '../dsl/mesh-definition';
import { generateCompose } from './compose.generator';
import { GenerateError } from './generate-error';
import { meshLayout } from './mesh-layout';
import { generateSystemd } from './systemd.generator';

function mesh(overrides: Partial<MeshDefinition> = {}): MeshDefinition {
  return {
    name: 'test',
    nodes: {
      a: { address: '10.0.0.1', arch: 'arm64' },
      b: { address: '10.0.0.2', arch: 'arm64' },
    },
    services: {
      api: {
        nodes: ['a'],
        command: 'node api.js',
        image: 'api:1',
        port: 3100,
        sidecar: { port: 21000, adminPort: 19100 },
        meta: { version: 'v1' },
        versions: { v2: { nodes: ['b'], image: 'api:2', env: { FLAG: 'on' } } },
      },
    },
    ...overrides,
  };
}

const errorOf = (fn: () => unknown): GenerateError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof GenerateError) return error;
    throw error;
  }
  throw new Error('expected a GenerateError');
};

describe('meshLayout', () => {
  it('expands nodes, replicas and versions into instances with unique ids', () => {
    const layout = meshLayout(
      mesh({
        nodes: { a: { address: '10.0.0.1', arch: 'arm64' }, b: { address: '10.0.0.2', arch: 'arm64' }, c: { address: '10.0.0.3', arch: 'arm64' } },
        services: {
          api: {
            nodes: ['a', 'b'],
            command: 'node api.js',
            port: 3100,
            sidecar: { port: 21000, adminPort: 19100 },
            meta: { version: 'v1' },
            versions: { v2: { nodes: ['c'], env: { FLAG: 'on' } } },
          },
        },
      }),
    );
    expect(layout.instances.map((i) => [i.id, i.name, i.version, i.meta.version, i.env.FLAG])).toEqual([
      ['api-a', 'api', 'v1', 'v1', undefined],
      ['api-b', 'api', 'v1', 'v1', undefined],
      ['api-v2-c', 'api-v2', 'v2', 'v2', 'on'],
    ]);
  });

  it('defaults: version v1, protocol http, health /health every 10s, outbound 15001, metrics at admin + 1000', () => {
    const layout = meshLayout(mesh({ services: { api: { nodes: ['a'], port: 3100, sidecar: { port: 21000, adminPort: 19100 } } } }));
    expect(layout.instances[0]).toMatchObject({
      version: 'v1',
      protocol: 'http',
      health: { kind: 'http', path: '/health' },
      healthInterval: '10s',
      outboundPort: 15001,
      metricsPort: 20100,
    });
  });

  it('places three Consul servers by default when there are three nodes, the control node first, else one', () => {
    const three = { a: { address: '10.0.0.1', arch: 'arm64' }, b: { address: '10.0.0.2', arch: 'arm64' }, c: { address: '10.0.0.3', arch: 'arm64' }, d: { address: '10.0.0.4', arch: 'arm64' } } as const;
    const layout = meshLayout(mesh({ nodes: three, gateway: { node: 'c', routes: [] } }));
    expect(layout.consulServers.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    expect(meshLayout(mesh({ nodes: three, gateway: { node: 'd', routes: [] } })).consulServers.map((n) => n.name)).toEqual(['a', 'b', 'd']);
    expect(meshLayout(mesh()).consulServers.map((n) => n.name)).toEqual(['a']);
    expect(meshLayout(mesh({ nodes: three, consul: { servers: ['d'] } })).consulServers.map((n) => n.name)).toEqual(['d']);
  });

  it('runs a control-plane replica on every node unless controlPlane.nodes says otherwise', () => {
    expect(meshLayout(mesh()).controlPlanes.map((n) => n.name)).toEqual(['a', 'b']);
    const layout = meshLayout(mesh({ nodes: { ...mesh().nodes, c: { address: '10.0.0.3', arch: 'arm64' } }, controlPlane: { nodes: ['c', 'a'] } }));
    expect(layout.controlPlanes.map((n) => n.name)).toEqual(['a', 'c']);
    // A node without a replica has no control-plane unit, and its xDS port is free for an app.
    const units = generateSystemd(mesh({ nodes: { ...mesh().nodes, c: { address: '10.0.0.3', arch: 'arm64' } }, controlPlane: { nodes: ['c', 'a'] } })).map((f) => f.path);
    expect(units).toContain('systemd/a/mesh-control-plane.service');
    expect(units).not.toContain('systemd/b/mesh-control-plane.service');
  });

  it('refuses a loopback node address in a mesh of several nodes, naming the field and the fix', () => {
    const error = errorOf(() => meshLayout(mesh({ nodes: { a: { address: '127.0.0.1', arch: 'amd64' }, b: { address: '10.0.0.2', arch: 'arm64' } } })));
    expect(error.field).toBe('nodes.a.address');
    expect(error.message).toMatch(/loopback address 127\.0\.0\.1, which the other nodes cannot reach\. Give each node the address the other nodes reach it at/);
    // One node may well be the machine itself.
    expect(() => meshLayout(mesh({ nodes: { a: { address: '127.0.0.1', arch: 'amd64' } }, services: {} }))).not.toThrow();
  });

  it('puts the control node on the gateway node, else the first node by name', () => {
    expect(meshLayout(mesh()).controlNode.name).toBe('a');
    expect(meshLayout(mesh({ gateway: { node: 'b', routes: [] } })).controlNode.name).toBe('b');
  });

  it('rejects two instances that bind the same ports on one node, naming the fields and the fix', () => {
    const error = errorOf(() => meshLayout(mesh({ services: { api: { ...mesh().services.api!, versions: { v2: { nodes: ['a'] } } } } })));
    expect(error.message).toContain('node a: port 3100 is taken twice, by api-a app (services.api.port) and api-v2-a app (services.api.port)');
    expect(error.message).toContain('place replicas and versions on different nodes');
  });

  it('rejects a port that collides with the fixed infrastructure ports', () => {
    const error = errorOf(() => meshLayout(mesh({ services: { api: { nodes: ['a'], port: 8500, sidecar: { port: 21000, adminPort: 19100 } } } })));
    expect(error.message).toBe(
      'ports: node a: port 8500 is taken twice, by consul (fixed consulHttp port) and api-a app (services.api.port). ' +
        'Every port on a node must be unique: give each service on a node its own ports, or place replicas and versions on different nodes.',
    );
  });

  it('counts local bind ports and the gateway among a node\'s ports', () => {
    const error = errorOf(() =>
      meshLayout(
        mesh({
          services: {
            api: { nodes: ['a'], port: 3100, sidecar: { port: 21000, adminPort: 19100 }, upstreams: ['api', { service: 'api', localBindPort: 8080 }] },
          },
          gateway: { node: 'a', routes: [] },
        }),
      ),
    );
    expect(error.message).toContain('port 8080 is taken twice, by api-a upstream api (services.api.upstreams[1].localBindPort) and gateway (gateway.port)');
  });

  it('compose needs an image and systemd a command, named by field', () => {
    const noImage = mesh({ services: { api: { nodes: ['a'], command: 'node api.js', port: 3100, sidecar: { port: 21000, adminPort: 19100 } } } });
    expect(errorOf(() => generateCompose(noImage)).message).toBe(
      'services.api.image: api-a has no image, and compose runs images. Set `image`, or deploy this node with systemd.',
    );
    const noCommand = mesh({ services: { api: { nodes: ['a'], image: 'api:1', port: 3100, sidecar: { port: 21000, adminPort: 19100 }, versions: { v2: { nodes: ['b'] } } } } });
    expect(errorOf(() => generateSystemd(noCommand)).message).toContain('services.api.command: api-a has no command');
  });
});
