import { join } from 'node:path';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { generateArtifacts } from '../generate/artifacts';
import { CONTROL_PLANE_SERVICE, INSTALL, proxyRuntime, tokenFile } from '../generate/deploy-conventions';
import type { GeneratedFile } from '../generate/generated-file';
import { meshLayout, type InstanceLayout, type MeshLayout, type NodeLayout } from '../generate/mesh-layout';
import { parseUnitCommand } from './unit-command';

/**
 * `mesh generate`'s output for a mesh whose node addresses are the simulated hosts', laid
 * out as each host's filesystem would hold it: every host gets its own root directory, in
 * which the generated install paths (/opt/mesh, /var/lib/mesh) exist as they do on a Pi.
 * The only edit to the artifacts is that relocation; everything else runs as generated.
 */

export type HostProcessKind = 'consul' | 'control-plane' | 'app' | 'envoy';

export interface HostProcess {
  /** `<node>-<unit>`, e.g. `pi-1-mesh-user`: the log file's name. */
  name: string;
  node: NodeLayout;
  kind: HostProcessKind;
  unit: string;
  /** The unit's ExecStartPre commands, run to completion in order before `command`. */
  prepare: string[][];
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** The instance an app or sidecar belongs to; undefined for the gateway and the infrastructure. */
  instance: InstanceLayout | undefined;
  /** Envoy's admin port, on the host's loopback. */
  envoyAdminPort: number | undefined;
}

export interface HostFiles {
  node: NodeLayout;
  /** The host's root directory; the generated /opt/mesh is `<root>/opt/mesh`. */
  root: string;
  files: Array<{ path: string; content: string }>;
  links: Array<{ path: string; target: string }>;
  dirs: string[];
}

export interface SimulatedDeployment {
  /** The definition with the simulated addresses, as generated from. */
  definition: MeshDefinition;
  layout: MeshLayout;
  hosts: HostFiles[];
  /** Every unit of every host, in a start order that respects the units' After= chains. */
  processes: HostProcess[];
}

export interface DeploymentInputs {
  /** Node name → simulated address. */
  addresses: ReadonlyMap<string, string>;
  /** Where host roots go: `<hostsDir>/<node>`. */
  hostsDir: string;
  /** The built repository, which a Pi has at /opt/mesh/app. */
  appDir: string;
  /** The entries of appDir to link into each host's app directory (its mesh.config.ts is the configFile instead). */
  appEntries: readonly string[];
  /** The DSL file, which a Pi has at /opt/mesh/mesh.config.ts. */
  configFile: string;
  /** The programs a Pi has in /opt/mesh/bin. */
  bin: { node: string; envoy: string; consul: string };
  /**
   * What an operator adds to the app units in a drop-in (secrets, the database URL), since
   * generated units carry none.
   */
  operatorEnv?: Readonly<Record<string, string>>;
}

export class SimulationError extends Error {
  override readonly name = 'SimulationError';
}

/** The definition with each node's address replaced by its simulated host's. */
export function withAddresses(definition: MeshDefinition, addresses: ReadonlyMap<string, string>): MeshDefinition {
  const nodes = Object.fromEntries(
    Object.entries(definition.nodes).map(([name, node]) => {
      const address = addresses.get(name);
      if (!address) throw new SimulationError(`node "${name}" has no simulated host; the hosts are ${[...addresses.keys()].join(', ')}`);
      return [name, { ...node, address }];
    }),
  );
  return { ...definition, nodes };
}

const INSTALL_ROOTS = [INSTALL.prefix, '/var/lib/mesh', INSTALL.tokens, INSTALL.runtime] as const;

/** The install paths of a generated text, moved under a host's root. */
export function relocate(text: string, root: string): string {
  let result = text;
  for (const prefix of INSTALL_ROOTS) result = result.split(prefix).join(`${root}${prefix}`);
  return result;
}

function unitKind(unit: string): HostProcessKind {
  if (unit === 'mesh-consul.service') return 'consul';
  if (unit === 'mesh-control-plane.service') return 'control-plane';
  return unit.endsWith('-envoy.service') ? 'envoy' : 'app';
}

const START_ORDER: Record<HostProcessKind, number> = { consul: 0, 'control-plane': 1, app: 2, envoy: 3 };

function under(files: readonly GeneratedFile[], prefix: string): GeneratedFile[] {
  return files.filter((f) => f.path.startsWith(prefix));
}

export function simulatedDeployment(source: MeshDefinition, inputs: DeploymentInputs): SimulatedDeployment {
  const definition = withAddresses(source, inputs.addresses);
  const layout = meshLayout(definition);
  const artifacts = generateArtifacts(definition, ['systemd', 'bootstrap', 'consul']);
  const hosts: HostFiles[] = [];
  const processes: HostProcess[] = [];
  for (const node of layout.nodes) {
    const root = join(inputs.hostsDir, node.name);
    const opt = `${root}${INSTALL.prefix}`;
    const consulFiles = under(artifacts, `consul/${node.name}/`).map((f) => ({
      path: join(`${root}${INSTALL.consulConfig}`, f.path.slice(`consul/${node.name}/`.length)),
      content: relocate(f.content, root),
    }));
    const bootstrapFiles = under(artifacts, `bootstrap/${node.name}/`).map((f) => ({
      path: join(`${root}${INSTALL.envoyConfig}`, f.path.slice(`bootstrap/${node.name}/`.length)),
      content: relocate(f.content, root),
    }));
    const proxies = [
      ...layout.instances.filter((i) => i.node === node).map((i) => ({ name: i.name, service: i.service })),
      ...(layout.gateway?.node === node ? [{ name: layout.gateway.name, service: layout.gateway.name }] : []),
    ];
    // What the operator provides (deploy/README.md): a token file per Consul service name, empty
    // here because the simulated Consul runs without ACLs.
    const tokens = [...new Set([CONTROL_PLANE_SERVICE, ...proxies.map((p) => p.service)])].map((service) => ({ path: `${root}${tokenFile(service)}`, content: '' }));
    const units = under(artifacts, `systemd/${node.name}/`).filter((f) => f.path.endsWith('.service'));
    if (units.length === 0) throw new SimulationError(`node ${node.name} has no systemd units to run; give its services a \`command\``);
    hosts.push({
      node,
      root,
      files: [...consulFiles, ...bootstrapFiles, ...tokens, ...units.map((u) => ({ path: join(root, 'etc/systemd/system', u.path.split('/').pop() as string), content: u.content }))],
      links: [
        { path: `${opt}/bin/node`, target: inputs.bin.node },
        { path: `${opt}/bin/envoy`, target: inputs.bin.envoy },
        { path: `${opt}/bin/consul`, target: inputs.bin.consul },
        ...inputs.appEntries
          .filter((entry) => `${INSTALL.app}/${entry}` !== INSTALL.meshConfig)
          .map((entry) => ({ path: `${root}${INSTALL.app}/${entry}`, target: join(inputs.appDir, entry) })),
        { path: `${root}${INSTALL.meshConfig}`, target: inputs.configFile },
      ],
      // systemd creates each proxy's RuntimeDirectory.
      dirs: [`${root}/var/lib/mesh`, `${root}${INSTALL.consulData}`, ...proxies.map((p) => `${root}${proxyRuntime(p.name).dir}`)],
    });
    for (const file of units) {
      const unit = file.path.split('/').pop() as string;
      const parsed = parseUnitCommand(relocate(file.content, root), file.path);
      const [command, ...args] = parsed.execStart as [string, ...string[]];
      const kind = unitKind(unit);
      const instance = layout.instances.find((i) => i.node === node && (unit === `mesh-${i.name}.service` || unit === `mesh-${i.name}-envoy.service`));
      const gatewayEnvoy = kind === 'envoy' && !instance && layout.gateway?.node === node;
      processes.push({
        name: `${node.name}-${unit.replace(/\.service$/, '')}`,
        node,
        kind,
        unit,
        prepare: parsed.execStartPre,
        command,
        args,
        env: { ...parsed.environment, ...(kind === 'app' ? inputs.operatorEnv : {}) },
        cwd: parsed.workingDirectory ?? root,
        instance,
        envoyAdminPort: kind === 'envoy' ? (instance?.adminPort ?? (gatewayEnvoy ? layout.gateway?.adminPort : undefined)) : undefined,
      });
    }
  }
  processes.sort((a, b) => START_ORDER[a.kind] - START_ORDER[b.kind] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { definition, layout, hosts, processes };
}

/** The gateway's public URL in the simulation. */
export function gatewayUrl(layout: MeshLayout): string | undefined {
  return layout.gateway && `http://${layout.gateway.node.address}:${layout.gateway.port}`;
}

