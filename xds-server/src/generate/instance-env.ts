import { CONTROL_PLANE_SERVICE, PORTS, proxyRuntime, tokenFile } from './deploy-conventions';
import { sortedRecord } from './generated-file';
import { sharedStoreServices, type InstanceLayout, type MeshLayout, type NodeLayout } from './mesh-layout';

/**
 * The environment every instance gets, under systemd and compose alike. The node's Consul
 * agent registers the instance from its service definition, so the app must not register
 * itself too (CONSUL_REGISTER=false). The names are the ones @mesh/service-kit reads. The service's own `env` wins over these.
 *
 * A service with more than one instance keeps its data in PostgreSQL on the control node
 * (MESH_STORE=postgres and libpq's PG* variables); the operator supplies PGUSER and
 * PGPASSWORD beside the other secrets. A single instance keeps SQLite in MESH_DATA_DIR.
 */
export function instanceEnv(layout: MeshLayout, i: InstanceLayout): Record<string, string> {
  const control = layout.controlNode.address;
  const shared: Record<string, string> = sharedStoreServices(layout).has(i.service)
    ? { MESH_STORE: 'postgres', PGHOST: control, PGPORT: String(PORTS.postgres), PGDATABASE: 'postgres' }
    : {};
  return sortedRecord({
    ...shared,
    CONSUL_HTTP_ADDR: `http://127.0.0.1:${PORTS.consulHttp}`,
    CONSUL_REGISTER: 'false',
    MESH_DATA_DIR: `/var/lib/mesh/${i.id}`,
    MESH_OUTBOUND_ADDRESS: '127.0.0.1',
    MESH_OUTBOUND_PORT: String(i.outboundPort),
    MESH_SIDECAR_PORT: String(i.sidecarPort),
    NODE_ADDRESS: i.node.address,
    NODE_ENV: 'production',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://${control}:${PORTS.otlpGrpc}`,
    OTEL_SERVICE_NAME: i.service,
    PORT: String(i.port),
    SERVICE_ID: i.id,
    SERVICE_NAME: i.service,
    SERVICE_VERSION: i.version,
    TEMPORAL_ADDRESS: `${control}:${PORTS.temporal}`,
    ...i.env,
  });
}

/**
 * Where the control plane's own spans go (OTEL_EXPORTER_OTLP_ENDPOINT) and where it tells every
 * proxy to send theirs (`--proxy-otlp`): Jaeger's OTLP/gRPC receiver on the control node.
 */
export function controlPlaneTracing(layout: MeshLayout): { env: Record<string, string>; args: string[] } {
  const collector = `${layout.controlNode.address}:${PORTS.otlpGrpc}`;
  return { env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${collector}` }, args: ['--proxy-otlp', collector] };
}

/**
 * The `mesh` arguments of a node's control-plane replica, under systemd and compose alike: xDS
 * over TLS with its Consul certificate, and the admin API on the node's address, since
 * Prometheus on the control node scrapes every replica's /metrics.
 */
export function controlPlaneArgs(layout: MeshLayout, node: NodeLayout, configFile: string): string[] {
  const consul = `http://127.0.0.1:${PORTS.consulHttp}`;
  return ['xds', '--host', node.address, '--admin-host', node.address, '--consul', consul, '--config', configFile, '--xds-tls-service', CONTROL_PLANE_SERVICE, ...controlPlaneTracing(layout).args];
}

/** The `mesh proxy-bootstrap` arguments that prepare proxy `name` (presenting `service`'s token) from its bootstrap `template`. */
export function proxyBootstrapArgs(template: string, name: string, service: string): string[] {
  const runtime = proxyRuntime(name);
  return ['proxy-bootstrap', '--template', template, '--token-file', tokenFile(service), '--ca-out', runtime.caBundle, '--out', runtime.bootstrap, '--consul', `http://127.0.0.1:${PORTS.consulHttp}`];
}
