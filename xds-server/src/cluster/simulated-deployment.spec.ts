import { join } from 'node:path';
import { loadMeshConfig } from '../dsl/load-mesh-config';
import { relocate, simulatedDeployment, withAddresses } from './simulated-deployment';

const repo = join(__dirname, '..', '..', '..');
const addresses = new Map([
  ['local', '198.18.0.11'],
  ['pi-1', '198.18.0.12'],
  ['pi-2', '198.18.0.13'],
]);

describe('the demo mesh as a simulated deployment', () => {
  let deployment: ReturnType<typeof simulatedDeployment>;
  beforeAll(async () => {
    const { definition } = await loadMeshConfig(join(repo, 'mesh.config.ts'));
    deployment = simulatedDeployment(definition, {
      addresses,
      hostsDir: '/run/sim/hosts',
      appDir: '/src/repo',
      appEntries: ['node_modules', 'services', 'xds-server', 'mesh.config.ts'],
      configFile: '/src/repo/mesh.config.ts',
      bin: { node: '/usr/bin/node', envoy: '/tools/envoy', consul: '/tools/consul' },
      operatorEnv: { JWT_SECRET: 'x'.repeat(32) },
    });
  }, 60_000);

  it('generates from the simulated addresses, never the DSL\'s LAN ones', () => {
    const text = JSON.stringify(deployment.hosts) + JSON.stringify(deployment.processes);
    expect(text).not.toMatch(/192\.168\./);
    expect(deployment.layout.nodes.map((n) => n.address)).toEqual(['198.18.0.11', '198.18.0.12', '198.18.0.13']);
  });

  it('runs each unit\'s ExecStart under the host\'s root, with the unit\'s Environment and the operator\'s drop-in', () => {
    const user = deployment.processes.find((p) => p.name === 'pi-1-mesh-user');
    expect(user).toMatchObject({
      kind: 'app',
      command: '/run/sim/hosts/pi-1/opt/mesh/bin/node',
      args: ['/run/sim/hosts/pi-1/opt/mesh/app/services/user/dist/main.js'],
      cwd: '/run/sim/hosts/pi-1/opt/mesh/app',
    });
    expect(user?.env).toMatchObject({ NODE_ADDRESS: '198.18.0.12', TEMPORAL_ADDRESS: '198.18.0.11:7233', MESH_DATA_DIR: '/run/sim/hosts/pi-1/var/lib/mesh/user-pi-1', JWT_SECRET: 'x'.repeat(32) });
    const consul = deployment.processes.find((p) => p.name === 'pi-2-mesh-consul');
    expect(consul?.args).toEqual(['agent', '-config-dir=/run/sim/hosts/pi-2/opt/mesh/consul']);
    expect(consul?.env.JWT_SECRET).toBeUndefined();
  });

  it('starts Consul first, then the control planes, the apps and the sidecars; the gateway Envoy knows its admin port', () => {
    const kinds = deployment.processes.map((p) => p.kind);
    expect(kinds.indexOf('control-plane')).toBeGreaterThan(kinds.lastIndexOf('consul'));
    expect(kinds.indexOf('app')).toBeGreaterThan(kinds.lastIndexOf('control-plane'));
    expect(kinds.indexOf('envoy')).toBeGreaterThan(kinds.lastIndexOf('app'));
    expect(deployment.processes.filter((p) => p.kind === 'consul')).toHaveLength(3);
    expect(deployment.processes.filter((p) => p.kind === 'control-plane')).toHaveLength(3);
    expect(deployment.processes.find((p) => p.name === 'local-mesh-gateway-envoy')?.envoyAdminPort).toBe(19000);
  });

  it('relocates the Consul data dir and every install path into the host root', () => {
    const agent = deployment.hosts.find((h) => h.node.name === 'pi-1')?.files.find((f) => f.path.endsWith('/consul/agent.hcl'));
    expect(agent?.path).toBe('/run/sim/hosts/pi-1/opt/mesh/consul/agent.hcl');
    expect(agent?.content).toContain('data_dir         = "/run/sim/hosts/pi-1/var/lib/mesh/consul"');
    expect(relocate('/opt/mesh/bin/node /var/lib/mesh/x', '/r')).toBe('/r/opt/mesh/bin/node /r/var/lib/mesh/x');
  });

  it('lays out the app as a Pi has it, with the served config inside it', () => {
    const links = deployment.hosts.find((h) => h.node.name === 'pi-1')?.links ?? [];
    expect(links).toEqual(
      expect.arrayContaining([
        { path: '/run/sim/hosts/pi-1/opt/mesh/app/node_modules', target: '/src/repo/node_modules' },
        { path: '/run/sim/hosts/pi-1/opt/mesh/app/mesh.config.ts', target: '/src/repo/mesh.config.ts' },
      ]),
    );
    expect(links.filter((l) => l.path.endsWith('/mesh.config.ts'))).toHaveLength(1);
    expect(deployment.processes.find((p) => p.name === 'pi-1-mesh-control-plane')?.args).toContain('/run/sim/hosts/pi-1/opt/mesh/app/mesh.config.ts');
  });

  it('refuses a node without a simulated host', () => {
    expect(() => withAddresses({ name: 'x', nodes: { a: { address: '10.0.0.1', arch: 'arm64' } }, services: {} }, new Map())).toThrow(/node "a" has no simulated host/);
  });
});
