import { PORTS } from './deploy-conventions';
import { sortedRecord } from './generated-file';
import type { InstanceLayout, MeshLayout } from './mesh-layout';

/**
 * The environment every instance gets, under systemd and compose alike. The node's Consul
 * agent registers the instance from its service definition, so the app must not register
 * itself too (MESH_SELF_REGISTER=false). The service's own `env` wins over these.
 */
export function instanceEnv(layout: MeshLayout, i: InstanceLayout): Record<string, string> {
  const control = layout.controlNode.address;
  return sortedRecord({
    CONSUL_HTTP_ADDR: `http://127.0.0.1:${PORTS.consulHttp}`,
    MESH_INSTANCE_ID: i.id,
    MESH_NODE: i.node.name,
    MESH_NODE_ADDRESS: i.node.address,
    MESH_OUTBOUND_URL: `http://127.0.0.1:${i.outboundPort}`,
    MESH_SELF_REGISTER: 'false',
    MESH_SERVICE: i.service,
    MESH_SERVICE_VERSION: i.version,
    MESH_SIDECAR_PORT: String(i.sidecarPort),
    NODE_ENV: 'production',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${control}:${PORTS.otlpGrpc}`,
    OTEL_SERVICE_NAME: i.service,
    PORT: String(i.port),
    TEMPORAL_ADDRESS: `${control}:${PORTS.temporal}`,
    ...i.env,
  });
}
