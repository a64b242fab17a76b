import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { toolBin } from '../toolchain/paths';

export interface EnvoyHandle {
  name: string;
  adminUrl: string;
  adminPort: number;
  bootstrapFile: string;
  process: ManagedProcess;
}

export interface EnvoyOptions {
  /** Component name, unique within the supervisor (log file and Envoy's node id). */
  name: string;
  /** Builds the bootstrap from the admin port chosen for this Envoy. */
  bootstrap: (adminPort: number) => unknown;
  adminPort?: number;
  logLevel?: 'trace' | 'debug' | 'info' | 'warning' | 'error';
  readyTimeoutMs?: number;
  /** 'live' (default): started once Envoy is LIVE; 'admin': once its admin answers, for an Envoy that is expected never to get its config. */
  until?: 'live' | 'admin';
}

/** A bootstrap with only the admin interface: enough for Envoy to start and answer /ready. */
export function adminOnlyBootstrap(nodeId: string, adminPort: number): unknown {
  return {
    node: { id: nodeId, cluster: nodeId },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
  };
}

/**
 * Starts Envoy with the given bootstrap. Hot restart is disabled so several Envoys can
 * share one host without base-id bookkeeping. Ready means admin `/ready` answers LIVE.
 */
/**
 * A listener update (an intention or allowedCallers edit changes the inbound RBAC filter)
 * drains the connections of the old filter chain. Envoy's default drains gradually over 600 s,
 * so a revoked caller kept its pooled connection for many seconds; immediate draining closes
 * them at their next response, and the caller's next request meets the new rules.
 */
export const ENVOY_DRAIN_FLAGS = ['--drain-strategy', 'immediate', '--drain-time-s', '5'] as const;

export async function startEnvoy(supervisor: ProcessSupervisor, options: EnvoyOptions): Promise<EnvoyHandle> {
  const adminPort = options.adminPort ?? (await freePort());
  const bootstrapFile = join(supervisor.runDir, `${options.name}.bootstrap.yaml`);
  writeFileSync(bootstrapFile, stringify(options.bootstrap(adminPort)));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  const managed = await supervisor.start({
    name: options.name,
    command: toolBin('envoy'),
    args: ['-c', bootstrapFile, '--disable-hot-restart', ...ENVOY_DRAIN_FLAGS, '--log-level', options.logLevel ?? 'warning'],
    ready: options.until === 'admin' ? async () => (await httpGet(`${adminUrl}/server_info`)).length > 0 : async () => (await httpGet(`${adminUrl}/ready`)).trim() === 'LIVE',
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
  });
  return { name: options.name, adminUrl, adminPort, bootstrapFile, process: managed };
}

export interface AdsBootstrapOptions {
  nodeId: string;
  /** node.cluster: the service this sidecar fronts. */
  service: string;
  xdsAddress: string;
  xdsPort: number;
  /** GRPC for state-of-the-world, DELTA_GRPC for incremental xDS. */
  apiType: 'GRPC' | 'DELTA_GRPC';
  /** Use the per-type discovery services (one stream per type) instead of ADS. */
  perTypeServices?: boolean;
  metadata?: Record<string, string | number>;
  /** The proxy's Consul ACL token, sent to the control plane as `x-consul-token` on every xDS stream. */
  token?: string;
}

/**
 * A sidecar bootstrap that takes everything but its own admin port from the control plane,
 * over ADS or, with `perTypeServices`, over one stream per type.
 */
export function adsBootstrap(options: AdsBootstrapOptions, adminPort: number): unknown {
  const apiConfigSource = {
    api_type: options.apiType,
    transport_api_version: 'V3',
    grpc_services: [
      { envoy_grpc: { cluster_name: 'xds_cluster' }, ...(options.token ? { initial_metadata: [{ key: 'x-consul-token', value: options.token }] } : {}) },
    ],
  };
  const source = options.perTypeServices ? { api_config_source: apiConfigSource } : { ads: {} };
  return {
    // admin_address lets the control plane's console compare what this Envoy holds with what it was sent (`mesh diff`).
    node: { id: options.nodeId, cluster: options.service, metadata: { admin_address: `127.0.0.1:${adminPort}`, ...options.metadata } },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    dynamic_resources: {
      ...(options.perTypeServices ? {} : { ads_config: apiConfigSource }),
      cds_config: { resource_api_version: 'V3', ...source },
      lds_config: { resource_api_version: 'V3', ...source },
    },
    static_resources: {
      clusters: [
        {
          name: 'xds_cluster',
          type: 'STATIC',
          connect_timeout: '1s',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
          load_assignment: {
            cluster_name: 'xds_cluster',
            endpoints: [
              { lb_endpoints: [{ endpoint: { address: { socket_address: { address: options.xdsAddress, port_value: options.xdsPort } } } }] },
            ],
          },
        },
      ],
    },
  };
}
