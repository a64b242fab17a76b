import { ENVOY_DRAIN_FLAGS } from './envoy-flags';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { CONTROL_PLANE_SERVICE, INSTALL, IMAGES, PORTS, proxyRuntime, tokenFile } from './deploy-conventions';
import { bootstrapPath } from './bootstrap.generator';
import { GenerateError } from './generate-error';
import { yamlFile, type GeneratedFile } from './generated-file';
import { controlPlaneArgs, controlPlaneTracing, instanceEnv, proxyBootstrapArgs } from './instance-env';
import { meshLayout, type MeshLayout, type NodeLayout } from './mesh-layout';

/** Compose files sit two levels down (compose/<node>/), beside the other artifact kinds. */
const fromCompose = (path: string) => `../../${path}`;
const MESH_CONFIG_IN_CONTAINER = '/etc/mesh/mesh.config.ts';
/** The operator's token directory on the node, mounted where the generated paths expect it. */
const TOKENS_VOLUME = `\${MESH_TOKENS:-${INSTALL.tokens}}:${INSTALL.tokens}:ro`;
const BOOTSTRAP_TEMPLATE = '/etc/envoy/template.yaml';

interface ComposeService {
  [key: string]: unknown;
}

/**
 * Host networking throughout: an instance registers its node's routable address and the
 * sidecar's port on it, exactly as under systemd, so the bootstraps and Consul definitions
 * are shared. Each sidecar joins its app's network namespace.
 */
/**
 * A proxy as two services: a one-shot run of `mesh proxy-bootstrap` (the control plane's
 * image) that writes the bootstrap with the token and the CA bundle into a volume, and the
 * Envoy that starts once it has succeeded.
 */
interface ProxySpec {
  /** The instance's or the gateway's name: its bootstrap and runtime directory. */
  name: string;
  /** The Consul service whose token it presents. */
  service: string;
  /** The compose service that runs Envoy. */
  envoyService: string;
  network: ComposeService;
  dependsOn: readonly string[];
}

function proxyServices(base: (image: string) => ComposeService, node: NodeLayout, spec: ProxySpec): { services: Record<string, ComposeService>; volume: string } {
  const { name, service, envoyService, network, dependsOn } = spec;
  const runtime = proxyRuntime(name);
  const volume = `proxy-${name}`;
  const prepare = `${name}-bootstrap`;
  return {
    volume,
    services: {
      [prepare]: {
        ...base(IMAGES.controlPlane),
        network_mode: 'host',
        restart: 'on-failure',
        command: proxyBootstrapArgs(BOOTSTRAP_TEMPLATE, name, service),
        volumes: [`${fromCompose(bootstrapPath(node, name))}:${BOOTSTRAP_TEMPLATE}:ro`, TOKENS_VOLUME, `${volume}:${runtime.dir}`],
        depends_on: ['consul'],
      },
      [envoyService]: {
        ...base(IMAGES.envoy),
        ...network,
        command: ['-c', runtime.bootstrap, '--disable-hot-restart', ...ENVOY_DRAIN_FLAGS, '--log-level', 'info'],
        volumes: [`${volume}:${runtime.dir}:ro`],
        depends_on: { [prepare]: { condition: 'service_completed_successfully' }, ...Object.fromEntries(dependsOn.map((d) => [d, { condition: 'service_started' }])) },
      },
    },
  };
}

function nodeCompose(layout: MeshLayout, node: NodeLayout): GeneratedFile {
  const platform = `linux/${node.arch}`;
  const base = (image: string): ComposeService => ({ image, platform, restart: 'unless-stopped' });
  const services: Record<string, ComposeService> = {};
  const volumes: Record<string, Record<string, never>> = { 'consul-data': {} };

  services.consul = {
    ...base(IMAGES.consul),
    network_mode: 'host',
    // The image's entrypoint adds -data-dir=/consul/data -config-dir=/consul/config to `agent`.
    command: ['agent'],
    volumes: [`${fromCompose(`consul/${node.name}`)}:/consul/config:ro`, 'consul-data:/consul/data'],
  };
  const replica = node.controlPlane;
  if (replica) services['control-plane'] = {
    ...base(IMAGES.controlPlane),
    network_mode: 'host',
    command: controlPlaneArgs(layout, node, MESH_CONFIG_IN_CONTAINER),
    environment: { CONSUL_HTTP_ADDR: `http://127.0.0.1:${PORTS.consulHttp}`, CONSUL_HTTP_TOKEN_FILE: tokenFile(CONTROL_PLANE_SERVICE), ...controlPlaneTracing(layout).env },
    volumes: [`\${MESH_CONFIG:-./mesh.config.ts}:${MESH_CONFIG_IN_CONTAINER}:ro`, TOKENS_VOLUME],
    depends_on: ['consul'],
  };

  for (const i of layout.instances.filter((x) => x.node === node)) {
    if (!i.image) {
      throw new GenerateError(`${i.field}.image`, `${i.id} has no image, and compose runs images`, 'Set `image`, or deploy this node with systemd.');
    }
    services[i.name] = {
      ...base(i.image),
      network_mode: 'host',
      environment: instanceEnv(layout, i),
      depends_on: ['consul'],
    };
    const proxy = proxyServices(base, node, {
      name: i.name,
      service: i.service,
      envoyService: `${i.name}-envoy`,
      network: { network_mode: `service:${i.name}` },
      dependsOn: replica ? [i.name, 'control-plane'] : [i.name],
    });
    Object.assign(services, proxy.services);
    volumes[proxy.volume] = {};
  }

  const gateway = layout.gateway;
  if (gateway?.node === node) {
    const proxy = proxyServices(base, node, {
      name: gateway.name,
      service: gateway.name,
      envoyService: gateway.name,
      network: { network_mode: 'host' },
      dependsOn: replica ? ['control-plane'] : [],
    });
    Object.assign(services, proxy.services);
    volumes[proxy.volume] = {};
  }

  if (node.control) {
    services.temporal = {
      ...base(IMAGES.temporal),
      network_mode: 'host',
      // All addresses: with --ip set to one address, the dev server (CLI 1.9) still dials its own internal services on 127.0.0.1 and fails.
      command: ['server', 'start-dev', '--ip', '0.0.0.0', '--port', String(PORTS.temporal), '--ui-port', String(PORTS.temporalUi), '--db-filename', '/data/temporal.db'],
      volumes: ['temporal-data:/data'],
    };
    services.jaeger = { ...base(IMAGES.jaeger), network_mode: 'host' };
    services.prometheus = {
      ...base(IMAGES.prometheus),
      network_mode: 'host',
      command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', `--web.listen-address=${node.address}:${PORTS.prometheus}`],
      volumes: [`${fromCompose('prometheus/prometheus.yml')}:/etc/prometheus/prometheus.yml:ro`, 'prometheus-data:/prometheus'],
    };
    services.grafana = {
      ...base(IMAGES.grafana),
      network_mode: 'host',
      environment: { GF_SERVER_HTTP_ADDR: node.address, GF_SERVER_HTTP_PORT: String(PORTS.grafana) },
      volumes: [
        `${fromCompose('grafana/provisioning')}:/etc/grafana/provisioning:ro`,
        `${fromCompose('grafana/dashboards')}:/var/lib/grafana/dashboards/mesh:ro`,
        'grafana-data:/var/lib/grafana',
      ],
      depends_on: ['prometheus'],
    };
    Object.assign(volumes, { 'grafana-data': {}, 'prometheus-data': {}, 'temporal-data': {} });
  }

  return yamlFile(
    `compose/${node.name}/compose.yaml`,
    { name: `${layout.name}-${node.name}`, services, volumes },
    [
      `Node ${node.name} (${node.arch}, ${node.address}): run \`docker compose up -d\` here on that machine.`,
      'It mounts ../../consul, ../../bootstrap, ../../prometheus and ../../grafana: generate `all` into one directory.',
      `The control plane reads $MESH_CONFIG (default ./mesh.config.ts); the host path ${INSTALL.meshConfig} is the systemd equivalent.`,
    ],
  );
}

/** `compose/<node>/compose.yaml` for every node. */
export function generateCompose(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  return layout.nodes.map((node) => nodeCompose(layout, node));
}
