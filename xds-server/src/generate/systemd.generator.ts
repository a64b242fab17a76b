import { ENVOY_DRAIN_FLAGS } from './envoy-flags';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { isAbsolute } from 'node:path';
import { CONTROL_PLANE_SERVICE, INSTALL, PORTS, proxyRuntime, tokenFile } from './deploy-conventions';
import { GenerateError } from './generate-error';
import { GENERATED_HEADER, hashComment, type GeneratedFile } from './generated-file';
import { controlPlaneArgs, controlPlaneTracing, instanceEnv, proxyBootstrapArgs } from './instance-env';
import { meshLayout, type InstanceLayout, type MeshLayout, type NodeLayout } from './mesh-layout';
import { commandLine, renderUnit, unitWord, type UnitSection } from './systemd-unit';

export const MESH_TARGET = 'mesh.target';
const CONSUL_UNIT = 'mesh-consul.service';
const CONTROL_PLANE_UNIT = 'mesh-control-plane.service';
const appUnit = (i: InstanceLayout) => `mesh-${i.name}.service`;
const envoyUnit = (name: string) => `mesh-${name}-envoy.service`;

/**
 * A command from the DSL as an absolute command line: the program from INSTALL.bin unless
 * it is absolute already, and relative paths in the arguments under INSTALL.app. Words
 * are split on whitespace (the DSL's commands need no quoting).
 */
export function absoluteCommand(command: string, field: string): string[] {
  const [program, ...args] = command.trim().split(/\s+/);
  if (!program) throw new GenerateError(field, 'the command is empty', 'Give the program and its arguments, e.g. `node services/auth/dist/main.js`.');
  const resolve = (word: string) => (!isAbsolute(word) && word.includes('/') && !word.startsWith('-') && !word.includes('=') ? `${INSTALL.app}/${word.replace(/^\.\//, '')}` : word);
  return [isAbsolute(program) ? program : `${INSTALL.bin}/${program}`, ...args.map(resolve)];
}

function unitFile(node: NodeLayout, name: string, note: string, sections: readonly UnitSection[]): GeneratedFile {
  return { path: `systemd/${node.name}/${name}`, content: `${hashComment([GENERATED_HEADER, note])}\n${renderUnit(sections)}` };
}

const restartLimits: Array<[string, string]> = [
  ['StartLimitIntervalSec', '60'],
  ['StartLimitBurst', '5'],
];

function serviceBasics(restart: 'always' | 'on-failure', restartSec: string): Array<[string, string]> {
  return [
    ['User', INSTALL.user],
    ['Group', INSTALL.user],
    ['Restart', restart],
    ['RestartSec', restartSec],
  ];
}

function consulUnit(node: NodeLayout): GeneratedFile {
  return unitFile(node, CONSUL_UNIT, `Consul agent of node ${node.name}; its config is consul/${node.name}/ in ${INSTALL.consulConfig}.`, [
    [
      'Unit',
      [
        ['Description', `Consul agent (node ${node.name})`],
        ['Wants', 'network-online.target'],
        ['After', 'network-online.target'],
        ['PartOf', MESH_TARGET],
        ...restartLimits,
      ],
    ],
    [
      'Service',
      [
        // The agent tells systemd when it has joined and loaded its services.
        ['Type', 'notify'],
        ...serviceBasics('on-failure', '2s'),
        ['StateDirectory', 'mesh/consul'],
        ['ExecStart', commandLine([`${INSTALL.bin}/consul`, 'agent', `-config-dir=${INSTALL.consulConfig}`])],
        ['ExecReload', commandLine([`${INSTALL.bin}/consul`, 'reload'])],
        ['KillSignal', 'SIGTERM'],
        ['LimitNOFILE', '65536'],
      ],
    ],
  ]);
}

function controlPlaneUnit(layout: MeshLayout, node: NodeLayout): GeneratedFile {
  const tracing = controlPlaneTracing(layout);
  const consul = `http://127.0.0.1:${PORTS.consulHttp}`;
  return unitFile(node, CONTROL_PLANE_UNIT, `The control plane of node ${node.name}: xDS on ${node.address}:${PORTS.xds}, admin on :${PORTS.controlPlaneAdmin}.`, [
    [
      'Unit',
      [
        ['Description', `Mesh control plane (node ${node.name})`],
        ['Wants', CONSUL_UNIT],
        ['After', `network-online.target ${CONSUL_UNIT}`],
        ['PartOf', MESH_TARGET],
        ...restartLimits,
      ],
    ],
    [
      'Service',
      [
        ['Type', 'simple'],
        ...serviceBasics('always', '1s'),
        ['WorkingDirectory', INSTALL.app],
        ['Environment', unitWord(`CONSUL_HTTP_ADDR=${consul}`)],
        // Needs service:write on CONTROL_PLANE_SERVICE (its xDS certificate) and what the catalog watch reads.
        ['Environment', unitWord(`CONSUL_HTTP_TOKEN_FILE=${tokenFile(CONTROL_PLANE_SERVICE)}`)],
        ['Environment', unitWord('NODE_ENV=production')],
        ...Object.entries(tracing.env).map(([k, v]): [string, string] => ['Environment', unitWord(`${k}=${v}`)]),
        [
          'ExecStart',
          commandLine([`${INSTALL.bin}/node`, `${INSTALL.app}/xds-server/dist/cli/main.js`, ...controlPlaneArgs(layout, node, INSTALL.meshConfig)]),
        ],
      ],
    ],
  ]);
}

function instanceUnits(layout: MeshLayout, i: InstanceLayout): GeneratedFile[] {
  if (!i.command) throw new GenerateError(`${i.field}.command`, `${i.id} has no command, and systemd runs commands`, 'Set `command`, or deploy this node with compose.');
  const app = unitFile(i.node, appUnit(i), `${i.id}: ${i.service} ${i.version}, app port ${i.port}; its sidecar is ${envoyUnit(i.name)}.`, [
    [
      'Unit',
      [
        ['Description', `${i.service} ${i.version} (${i.id})`],
        // Starting the app starts its sidecar; Consul registers it from the agent config.
        ['Wants', `${CONSUL_UNIT} ${envoyUnit(i.name)}`],
        ['After', `network-online.target ${CONSUL_UNIT}`],
        ['PartOf', MESH_TARGET],
        ...restartLimits,
      ],
    ],
    [
      'Service',
      [
        ['Type', 'simple'],
        ...serviceBasics('on-failure', '2s'),
        ['WorkingDirectory', INSTALL.app],
        ...Object.entries(instanceEnv(layout, i)).map(([k, v]): [string, string] => ['Environment', unitWord(`${k}=${v}`)]),
        ['ExecStart', commandLine(absoluteCommand(i.command, `${i.field}.command`))],
        // Time for a graceful shutdown (drain, close the Temporal worker).
        ['TimeoutStopSec', '30s'],
      ],
    ],
  ]);
  return [app, envoyFile(i.node, i.name, i.service, `Envoy sidecar of ${i.id}`, [appUnit(i)])];
}

/**
 * A sidecar restarts and stops with its app (PartOf=) and, on a node with a control-plane
 * replica, starts after it; elsewhere its bootstrap reaches the replicas of other nodes.
 * Before Envoy starts, `mesh proxy-bootstrap` writes the generated bootstrap with the proxy's
 * token (`service`'s token file) into the unit's runtime directory, with the CA bundle.
 */
function envoyFile(node: NodeLayout, name: string, service: string, description: string, partOf: readonly string[]): GeneratedFile {
  const controlPlane = node.controlPlane ? [CONTROL_PLANE_UNIT] : [];
  const runtime = proxyRuntime(name);
  const prepare = [`${INSTALL.bin}/node`, `${INSTALL.app}/xds-server/dist/cli/main.js`, ...proxyBootstrapArgs(`${INSTALL.envoyConfig}/${name}.yaml`, name, service)];
  return unitFile(node, envoyUnit(name), `${description}; bootstrap ${INSTALL.envoyConfig}/${name}.yaml, token ${tokenFile(service)}.`, [
    [
      'Unit',
      [
        ['Description', description],
        ...(node.controlPlane ? [['Wants', CONTROL_PLANE_UNIT] as [string, string]] : []),
        ['After', ['network-online.target', ...controlPlane, ...partOf].join(' ')],
        ['PartOf', [...partOf, MESH_TARGET].join(' ')],
        ...restartLimits,
      ],
    ],
    [
      'Service',
      [
        ['Type', 'simple'],
        ...serviceBasics('always', '1s'),
        ['RuntimeDirectory', runtime.dir.slice('/run/'.length)],
        ['RuntimeDirectoryMode', '0700'],
        ['ExecStartPre', commandLine(prepare)],
        ['ExecStart', commandLine([`${INSTALL.bin}/envoy`, '-c', runtime.bootstrap, '--disable-hot-restart', ...ENVOY_DRAIN_FLAGS, '--log-level', 'info'])],
        ['LimitNOFILE', '65536'],
      ],
    ],
  ]);
}

function targetUnit(node: NodeLayout, units: readonly string[]): GeneratedFile {
  return unitFile(node, MESH_TARGET, `Everything the mesh runs on ${node.name}: systemctl enable --now ${MESH_TARGET}`, [
    ['Unit', [['Description', `Mesh node ${node.name}`], ['Wants', units.join(' ')]]],
    ['Install', [['WantedBy', 'multi-user.target']]],
  ]);
}

/**
 * `systemd/<node>/` for every node: the Consul agent, the control-plane replica where the
 * node has one, each instance and its Envoy, and mesh.target to start them all. The
 * control node's Temporal, Jaeger and Prometheus come from compose (or the operator's own
 * packages); the units do not cover them.
 */
export function generateSystemd(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  return layout.nodes
    .flatMap((node) => {
      const instances = layout.instances.filter((i) => i.node === node);
      const replica = node.controlPlane ? [controlPlaneUnit(layout, node)] : [];
      const files = [consulUnit(node), ...replica, ...instances.flatMap((i) => instanceUnits(layout, i))];
      const gateway = layout.gateway;
      if (gateway?.node === node) files.push(envoyFile(node, gateway.name, gateway.name, `Gateway Envoy (public port ${gateway.port})`, []));
      const wanted = [CONSUL_UNIT, ...(node.controlPlane ? [CONTROL_PLANE_UNIT] : []), ...instances.map(appUnit), ...(gateway?.node === node ? [envoyUnit(gateway.name)] : [])];
      return [...files, targetUnit(node, wanted)].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    });
}
