import { ENVOY_DRAIN_FLAGS } from './envoy-flags';
import type { MeshDefinition } from '../dsl/mesh-definition';
import { NODE_METADATA } from '../xds/proxy-node';
import { PORTS } from './deploy-conventions';
import { envoyBootstrap, sidecarMetadata, XDS_CLUSTER, type XdsEndpoint } from './envoy-bootstrap';
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
      }),
      [`Envoy sidecar of ${i.id} (${i.service} ${i.version} on ${i.node.name}): envoy -c <this file> --disable-hot-restart ${ENVOY_DRAIN_FLAGS.join(' ')}`],
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
        }),
        [`The edge Envoy on ${gateway.node.name}, public port ${gateway.port}: envoy -c <this file> --disable-hot-restart ${ENVOY_DRAIN_FLAGS.join(' ')}`],
      ),
    );
  }
  return files;
}
