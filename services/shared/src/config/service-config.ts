import { join, resolve } from 'node:path';
import { consulHttpAddress } from './consul-address';
import { ConfigError, envBool, envDuration, envInt, envOptionalString, envPort, envSecret, envString, type Env } from './env';

/** What one service instance needs to know about itself and the mesh around it. */
export interface ServiceConfig {
  /** Consul service name, also the Host other services use to reach it through Envoy. */
  name: string;
  /** Registration meta `version` (the DSL's version key). */
  version: string;
  /** Consul service id: unique per node and port, stable across restarts of the same instance. */
  instanceId: string;
  port: number;
  /** Where the HTTP server listens; the sidecar forwards inbound traffic to 127.0.0.1. */
  bindAddress: string;
  /** The routable address registered in Consul (never a container-internal one). */
  nodeAddress: string;
  /** The sidecar's public port (registration meta `sidecar_port`). */
  sidecarPort: number;
  /** Registration meta `protocol`. */
  protocol: 'http' | 'http2';
  tags: string[];
  /** The local Envoy's outbound listener, where every call to another service goes. */
  outbound: { address: string; port: number; timeoutMs: number };
  consul: {
    register: boolean;
    address: string;
    token: string | undefined;
    checkUrl: string;
    checkInterval: string;
    checkTimeout: string;
    deregisterCriticalAfter: string;
  };
  /** Root of the service's files (MESH_DATA_DIR). */
  dataDir: string;
  /** The SQLite file: SQLITE_PATH, else `<dataDir>/<name>.sqlite`; `:memory:` keeps nothing (tests). */
  sqlitePath: string;
  jwt: { secret: string; issuer: string; audience: string; usingDevSecret: boolean };
  logLevel: string;
}

export interface ServiceDefaults {
  name: string;
  port: number;
  sidecarPort: number;
}

/** Used when JWT_SECRET is unset, so `mesh up` works out of the box; refused when NODE_ENV=production. */
export const DEV_JWT_SECRET = 'mesh-demo-jwt-secret-change-me-in-production';

export function loadServiceConfig(defaults: ServiceDefaults, env: Env = process.env): ServiceConfig {
  const name = envString(env, 'SERVICE_NAME', defaults.name);
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new ConfigError('SERVICE_NAME', name, 'a Consul service name: lower-case letters, digits and dashes');
  const port = envPort(env, 'PORT', defaults.port);
  const bindAddress = envString(env, 'BIND_ADDRESS', '127.0.0.1');
  const nodeAddress = envString(env, 'NODE_ADDRESS', '127.0.0.1');
  const checkHost = envString(env, 'CONSUL_CHECK_ADDRESS', bindAddress === '0.0.0.0' || bindAddress === '::' ? nodeAddress : bindAddress);
  const protocol = envString(env, 'SERVICE_PROTOCOL', 'http');
  if (protocol !== 'http' && protocol !== 'http2') throw new ConfigError('SERVICE_PROTOCOL', protocol, 'http or http2');
  const secret = envOptionalString(env, 'JWT_SECRET');
  if (secret === undefined && env.NODE_ENV === 'production') {
    throw new ConfigError('JWT_SECRET', '', 'a secret of at least 32 characters (required when NODE_ENV=production)');
  }
  if (secret !== undefined && secret.length < 32) throw new ConfigError('JWT_SECRET', '<hidden>', 'at least 32 characters');
  const dataDir = envString(env, 'MESH_DATA_DIR', '.data');
  return {
    name,
    version: envString(env, 'SERVICE_VERSION', 'v1'),
    instanceId: envString(env, 'SERVICE_ID', `${name}-${nodeAddress}-${port}`),
    port,
    bindAddress,
    nodeAddress,
    sidecarPort: envPort(env, 'MESH_SIDECAR_PORT', defaults.sidecarPort),
    protocol,
    tags: (envOptionalString(env, 'SERVICE_TAGS') ?? '').split(',').map((t) => t.trim()).filter((t) => t !== ''),
    outbound: {
      address: envString(env, 'MESH_OUTBOUND_ADDRESS', '127.0.0.1'),
      port: envPort(env, 'MESH_OUTBOUND_PORT', 15001),
      timeoutMs: envInt(env, 'MESH_UPSTREAM_TIMEOUT_MS', 5000, { min: 1 }),
    },
    consul: {
      register: envBool(env, 'CONSUL_REGISTER', true),
      address: consulHttpAddress(env),
      token: envSecret(env, 'CONSUL_HTTP_TOKEN'),
      checkUrl: `http://${checkHost.includes(':') ? `[${checkHost}]` : checkHost}:${port}/health`,
      checkInterval: envDuration(env, 'CONSUL_CHECK_INTERVAL', '2s'),
      checkTimeout: envDuration(env, 'CONSUL_CHECK_TIMEOUT', '1s'),
      deregisterCriticalAfter: envDuration(env, 'CONSUL_DEREGISTER_CRITICAL_AFTER', '1m'),
    },
    dataDir: resolve(dataDir),
    sqlitePath: sqlitePath(name, resolve(dataDir), envOptionalString(env, 'SQLITE_PATH')),
    jwt: {
      secret: secret ?? DEV_JWT_SECRET,
      issuer: envString(env, 'JWT_ISSUER', 'mesh-auth'),
      audience: envString(env, 'JWT_AUDIENCE', 'mesh-demo'),
      usingDevSecret: secret === undefined,
    },
    logLevel: envString(env, 'LOG_LEVEL', 'info'),
  };
}

function sqlitePath(name: string, dataDir: string, explicit: string | undefined): string {
  if (explicit === ':memory:') return explicit;
  if (explicit !== undefined) return resolve(explicit);
  return join(dataDir, `${name}.sqlite`);
}
