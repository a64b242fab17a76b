import { hostname } from 'node:os';
import { SERVICE, TASK_QUEUE } from '@mesh/service-kit/dist/onboarding-contract';

export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
  constructor(variable: string, value: string, expected: string) {
    super(`environment variable ${variable}=${JSON.stringify(value)} is invalid: expected ${expected}. Fix or unset it.`);
  }
}

export interface WorkerConfig {
  /** Consul service name. */
  service: string;
  /** Consul service id of this instance. */
  serviceId: string;
  /** Address Consul publishes; must be an IP literal for Envoy's EDS. */
  address: string;
  /** The app's HTTP port (/health, /metrics), and where it listens. */
  httpPort: number;
  bindAddress: string;
  /** The sidecar's public port, registered as Meta.sidecar_port; undefined without a sidecar. */
  sidecarPort: number | undefined;
  /** The sidecar's outbound listener, through which every activity calls other services. */
  outboundHost: string;
  outboundPort: number;
  consulAddr: string;
  temporalAddress: string;
  temporalNamespace: string;
  taskQueue: string;
  /** How long shutdown lets running activities finish before cancelling them. */
  shutdownGraceMs: number;
}

function port(env: NodeJS.ProcessEnv, variable: string, fallback?: number): number | undefined {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new WorkerConfigError(variable, raw, 'a TCP port (0-65535)');
  return value;
}

function positive(env: NodeJS.ProcessEnv, variable: string, fallback: number): number {
  const raw = env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new WorkerConfigError(variable, raw, 'a non-negative number of milliseconds');
  return value;
}

/** Reads the worker's settings (documented in services/README.md) from the environment. */
export function workerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const httpPort = port(env, 'PORT', 3006) as number;
  return {
    service: SERVICE.workflows,
    serviceId: env['SERVICE_ID'] || `${SERVICE.workflows}-${hostname()}-${httpPort}`,
    address: env['NODE_ADDRESS'] || '127.0.0.1',
    bindAddress: env['BIND_ADDRESS'] || '127.0.0.1',
    httpPort,
    sidecarPort: port(env, 'MESH_SIDECAR_PORT'),
    outboundHost: env['MESH_OUTBOUND_ADDRESS'] || '127.0.0.1',
    outboundPort: port(env, 'MESH_OUTBOUND_PORT', 15001) as number,
    consulAddr: (env['CONSUL_HTTP_ADDR'] || 'http://127.0.0.1:8500').replace(/\/$/, '').replace(/^(?!https?:\/\/)/, 'http://'),
    temporalAddress: env['TEMPORAL_ADDRESS'] || '127.0.0.1:7233',
    temporalNamespace: env['TEMPORAL_NAMESPACE'] || 'default',
    taskQueue: env['TEMPORAL_TASK_QUEUE'] || TASK_QUEUE,
    shutdownGraceMs: positive(env, 'WORKER_SHUTDOWN_GRACE_MS', 10_000),
  };
}
