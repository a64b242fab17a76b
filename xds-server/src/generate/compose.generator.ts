import { ENVOY_DRAIN_FLAGS } from './envoy-flags';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { INSTALL, IMAGES, PORTS } from './deploy-conventions';
import { bootstrapPath } from './bootstrap.generator';
import { GenerateError } from './generate-error';
import { yamlFile, type GeneratedFile } from './generated-file';
import { controlPlaneTracing, instanceEnv } from './instance-env';
import { meshLayout, type MeshLayout, type NodeLayout } from './mesh-layout';

/** Compose files sit two levels down (compose/<node>/), beside the other artifact kinds. */
const fromCompose = (path: string) => `../../${path}`;
const MESH_CONFIG_IN_CONTAINER = '/etc/mesh/mesh.config.ts';

interface ComposeService {
  [key: string]: unknown;
}

/**
 * Host networking throughout: an instance registers its node's routable address and the
 * sidecar's port on it, exactly as under systemd, so the bootstraps and Consul definitions
 * are shared. Each sidecar joins its app's network namespace.
 */
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
    // Prometheus on the control node scrapes every control plane's /metrics, so the admin API is on the node's address.
    command: ['xds', '--host', node.address, '--admin-host', node.address, '--consul', `http://127.0.0.1:${PORTS.consulHttp}`, '--config', MESH_CONFIG_IN_CONTAINER, ...controlPlaneTracing(layout).args],
    environment: { CONSUL_HTTP_ADDR: `http://127.0.0.1:${PORTS.consulHttp}`, ...controlPlaneTracing(layout).env },
    volumes: [`\${MESH_CONFIG:-./mesh.config.ts}:${MESH_CONFIG_IN_CONTAINER}:ro`],
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
    services[`${i.name}-envoy`] = {
      ...base(IMAGES.envoy),
      network_mode: `service:${i.name}`,
      command: ['-c', '/etc/envoy/bootstrap.yaml', '--disable-hot-restart', ...ENVOY_DRAIN_FLAGS, '--log-level', 'info'],
      volumes: [`${fromCompose(bootstrapPath(node, i.name))}:/etc/envoy/bootstrap.yaml:ro`],
      depends_on: replica ? [i.name, 'control-plane'] : [i.name],
    };
  }

  const gateway = layout.gateway;
  if (gateway?.node === node) {
    services[gateway.name] = {
      ...base(IMAGES.envoy),
      network_mode: 'host',
      command: ['-c', '/etc/envoy/bootstrap.yaml', '--disable-hot-restart', ...ENVOY_DRAIN_FLAGS, '--log-level', 'info'],
      volumes: [`${fromCompose(bootstrapPath(node, gateway.name))}:/etc/envoy/bootstrap.yaml:ro`],
      ...(replica ? { depends_on: ['control-plane'] } : {}),
    };
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
