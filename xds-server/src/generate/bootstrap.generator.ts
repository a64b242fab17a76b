import { ENVOY_DRAIN_FLAGS } from './envoy-flags';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { NODE_METADATA } from '../xds/proxy-node';
import { CONTROL_PLANE_SERVICE, PORTS, proxyRuntime } from './deploy-conventions';
import { envoyBootstrap, sidecarMetadata, XDS_CLUSTER, type XdsEndpoint, type XdsTls } from './envoy-bootstrap';
import { yamlFile, type GeneratedFile } from './generated-file';
import { meshLayout, type MeshLayout, type NodeLayout } from './mesh-layout';

/**
 * Every control-plane replica, the node's own first: an Envoy prefers the replica beside it
 * and fails over to the others when that one goes (envoy-bootstrap.ts).
 */
export function xdsEndpoints(layout: MeshLayout, node: NodeLayout): XdsEndpoint[] {
  const own = layout.controlPlanes.filter((n) => n === node);
  const others = layout.controlPlanes.filter((n) => n !== node);
  return [...own, ...others].map((n) => ({ address: n.address, port: PORTS.xds }));
}

/** Every generated proxy verifies the control plane's Consul-issued certificate. */
const xdsTls = (name: string): XdsTls => ({ caFile: proxyRuntime(name).caBundle, serverName: CONTROL_PLANE_SERVICE });

export function bootstrapPath(node: NodeLayout, name: string): string {
  return `bootstrap/${node.name}/${name}.yaml`;
}

/** `bootstrap/<node>/<instance>.yaml` for every sidecar, and `gateway.yaml` on the gateway's node. */
export function generateBootstrap(mesh: MeshDefinition): GeneratedFile[] {
  const layout = meshLayout(mesh);
  const files = layout.instances.map((i) =>
    yamlFile(
      bootstrapPath(i.node, i.name),
      envoyBootstrap({
        nodeId: i.id,
        cluster: i.service,
        metadata: sidecarMetadata(i.id, i.outboundPort),
        adminPort: i.adminPort,
        xds: xdsEndpoints(layout, i.node),
        metricsPort: i.metricsPort,
        xdsTls: xdsTls(i.name),
      }),
      [`Envoy sidecar of ${i.id} (${i.service} ${i.version} on ${i.node.name}), a template: \`mesh proxy-bootstrap\` adds the token and writes the CA bundle; then envoy -c <its output> --disable-hot-restart ${ENVOY_DRAIN_FLAGS.join(' ')}`],
    ),
  );
  const gateway = layout.gateway;
  if (gateway) {
    files.push(
      yamlFile(
        bootstrapPath(gateway.node, gateway.name),
        envoyBootstrap({
          nodeId: gateway.id,
          cluster: gateway.name,
          metadata: { [NODE_METADATA.gatewayPort]: gateway.port, [NODE_METADATA.xdsCluster]: XDS_CLUSTER },
          adminPort: gateway.adminPort,
          xds: xdsEndpoints(layout, gateway.node),
          metricsPort: gateway.metricsPort,
          xdsTls: xdsTls(gateway.name),
        }),
        [`The edge Envoy on ${gateway.node.name}, public port ${gateway.port}, a template: \`mesh proxy-bootstrap\` adds the token and writes the CA bundle; then envoy -c <its output> --disable-hot-restart ${ENVOY_DRAIN_FLAGS.join(' ')}`],
      ),
    );
  }
  return files;
}
