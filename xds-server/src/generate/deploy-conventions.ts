import { DEFAULT_GATEWAY_NAME } from '../translate/gateway';
import { DEFAULT_ADMIN_PORT, DEFAULT_XDS_PORT } from '../xds/defaults';

/**
 * Where generated deployments put things and which fixed ports they use
 * (deploy/README.md, "Conventions"). Every node runs its own Consul agent, so an app's
 * registration and its checks are always local; the control plane runs on the nodes of
 * `controlPlane.nodes` (every node by default), and each bootstrap lists all of them.
 */
export const INSTALL = {
  /** Everything the units run lives under this prefix. */
  prefix: '/opt/mesh',
  /** node, envoy, consul (links to the real binaries). */
  bin: '/opt/mesh/bin',
  /** The built repository: services/<name>/dist, xds-server/dist. */
  app: '/opt/mesh/app',
  /** The node's bootstrap/<node>/ directory. */
  envoyConfig: '/opt/mesh/envoy',
  /** The node's consul/<node>/ directory (agent config and service definitions). */
  consulConfig: '/opt/mesh/consul',
  /**
   * Inside the app: the config imports '@mesh/xds-server', which Node resolves from the
   * file's own directory upwards, so it must sit where app/node_modules is found.
   */
  meshConfig: '/opt/mesh/app/mesh.config.ts',
  /** Consul's data_dir, created by systemd (StateDirectory=mesh/consul). */
  consulData: '/var/lib/mesh/consul',
  /**
   * The operator's ACL tokens, one file per Consul service name (`<service>.token`, the
   * sidecars' and the app's, and the control plane's); never generated. Empty files when
   * Consul runs without ACLs.
   */
  tokens: '/etc/mesh/tokens',
  /** Per-proxy runtime files (systemd's RuntimeDirectory=mesh/<name>): the rendered bootstrap and the CA bundle. */
  runtime: '/run/mesh',
  user: 'mesh',
} as const;

export const PORTS = {
  consulServer: 8300,
  consulSerfLan: 8301,
  consulSerfWan: 8302,
  consulHttp: 8500,
  consulGrpc: 8502,
  consulDns: 8600,
  xds: DEFAULT_XDS_PORT,
  controlPlaneAdmin: DEFAULT_ADMIN_PORT,
  temporal: 7233,
  temporalUi: 8233,
  jaegerUi: 16686,
  otlpGrpc: 4317,
  otlpHttp: 4318,
  prometheus: 9090,
  grafana: 3000,
  postgres: 5432,
} as const;

/**
 * Envoy's admin stays on loopback; Prometheus on another node reads `/stats/prometheus`
 * from a static listener on adminPort + this offset, which serves nothing else.
 */
export const ENVOY_METRICS_PORT_OFFSET = 1000;

/**
 * The Consul service name the control plane's xDS certificate is issued for
 * (`--xds-tls-service`); every generated bootstrap verifies the control plane against it.
 */
export const CONTROL_PLANE_SERVICE = 'mesh-control-plane';

/** The token file of a Consul service name. */
export const tokenFile = (service: string) => `${INSTALL.tokens}/${service}.token`;

/**
 * What `mesh sidecar-bootstrap` writes for one proxy before its Envoy starts: the bootstrap
 * with the proxy's token in it, and the Consul CA bundle it verifies the control plane with.
 */
export function proxyRuntime(name: string): { dir: string; bootstrap: string; caBundle: string } {
  const dir = `${INSTALL.runtime}/${name}`;
  return { dir, bootstrap: `${dir}/envoy.yaml`, caBundle: `${dir}/consul-ca.pem` };
}

/** The gateway Envoy's node.cluster (the control plane's default) and its instance id prefix. */
export const GATEWAY_NAME = DEFAULT_GATEWAY_NAME;

/**
 * Images for compose. The infrastructure tags follow toolchain.json (a unit test keeps them
 * in step); the mesh's own images (control plane, services) use a placeholder registry.
 */
export const IMAGES = {
  envoy: 'envoyproxy/envoy:v1.40.0',
  consul: 'hashicorp/consul:1.22.6',
  temporal: 'temporalio/temporal:1.9.1',
  jaeger: 'jaegertracing/jaeger:2.13.0',
  prometheus: 'prom/prometheus:v2.42.0',
  grafana: 'grafana/grafana:12.2.0',
  controlPlane: 'ghcr.io/consul-envoy-mesh/control-plane:0.1.0',
} as const;
