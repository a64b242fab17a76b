import { consulAddress } from '../consul/consul-address';
import { consulToken } from '../consul/consul-token';
import { parseCollectorAddress, type TracingModel } from '../translate/tracing';
import { DEFAULT_ADMIN_PORT, DEFAULT_XDS_PORT } from '../xds/defaults';
import type { ConsoleSources } from '../admin/console/upstream-source';

export interface ControlPlaneOptions {
  xdsHost: string;
  xdsPort: number;
  adminHost: string;
  adminPort: number;
  /** Consul's HTTP API, from CONSUL_HTTP_ADDR by default. */
  consulAddress: string;
  /** CONSUL_HTTP_TOKEN, else the contents of CONSUL_HTTP_TOKEN_FILE. */
  consulToken: string | undefined;
  /**
   * Serve xDS over TLS with a Consul CA leaf certificate for this service name
   * (MESH_XDS_TLS_SERVICE); plaintext without it.
   */
  xdsTlsService: string | undefined;
  /** mesh.config.ts to load and watch; without one, only the catalog shapes the mesh. */
  configFile: string | undefined;
  /** Where proxies send spans over OTLP/gRPC; tracing is off without it. */
  tracing: TracingModel | undefined;
  /** Mounts /test-hooks on the admin API (MESH_XDS_TEST_HOOKS=1); never in production. */
  testHooks: boolean;
  /** New xDS streams admitted per second (MESH_MAX_NEW_STREAMS_PER_SECOND, default 1000). */
  maxNewStreamsPerSecond: number;
  /** How often a served stream's Consul token is checked again (MESH_ACL_RECHECK_SECONDS, default 30 s). */
  aclRecheckIntervalMs: number;
  /** Without Consul ACLs, serve secrets to peers not on this host too; off unless asked for. */
  serveSecretsWithoutAcls: boolean;
  /** Prometheus, Jaeger and Temporal, for the console at /ui/ (each optional). */
  console?: ConsoleSources;
}

export const CONTROL_PLANE_OPTIONS = Symbol('CONTROL_PLANE_OPTIONS');

export function defaultControlPlaneOptions(env: NodeJS.ProcessEnv = process.env): ControlPlaneOptions {
  return {
    xdsHost: '127.0.0.1',
    xdsPort: DEFAULT_XDS_PORT,
    adminHost: env.MESH_ADMIN_HOST || '127.0.0.1',
    adminPort: DEFAULT_ADMIN_PORT,
    consulAddress: consulAddress(env),
    consulToken: consulToken(env),
    xdsTlsService: env.MESH_XDS_TLS_SERVICE || undefined,
    configFile: env.MESH_CONFIG || undefined,
    tracing: env.MESH_PROXY_OTLP_ENDPOINT ? { collector: parseCollectorAddress(env.MESH_PROXY_OTLP_ENDPOINT), samplingPercent: 100 } : undefined,
    testHooks: env.MESH_XDS_TEST_HOOKS === '1',
    maxNewStreamsPerSecond: Number(env.MESH_MAX_NEW_STREAMS_PER_SECOND) > 0 ? Number(env.MESH_MAX_NEW_STREAMS_PER_SECOND) : 1000,
    aclRecheckIntervalMs: (Number(env.MESH_ACL_RECHECK_SECONDS) > 0 ? Number(env.MESH_ACL_RECHECK_SECONDS) : 30) * 1000,
    serveSecretsWithoutAcls: false,
    console: {
      ...(env.MESH_PROMETHEUS_URL ? { prometheusUrl: env.MESH_PROMETHEUS_URL } : {}),
      ...(env.MESH_JAEGER_URL ? { jaegerUrl: env.MESH_JAEGER_URL } : {}),
      ...(env.MESH_TEMPORAL_ADDRESS ? { temporalAddress: env.MESH_TEMPORAL_ADDRESS } : {}),
      ...(env.MESH_TEMPORAL_UI_URL ? { temporalUiUrl: env.MESH_TEMPORAL_UI_URL } : {}),
    },
  };
}
