import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { httpGet, toolBin, waitFor, type ConsulHandle } from '@mesh/harness';

const run = promisify(execFile);

export interface ConnectRegistration {
  id: string;
  name: string;
  port: number;
  meta?: Record<string, string>;
  /** The `connect { sidecar_service { … } }` block, as the agent API spells it. */
  sidecar?: object;
  /** Consul's ACL token, when it runs ACLs. */
  token?: string;
}

/** Registers a service the Consul way, with an HTTP check on its /health and, when given, a Connect sidecar. */
export async function registerWithSidecar(consul: ConsulHandle, service: ConnectRegistration): Promise<void> {
  const response = await fetch(`${consul.httpAddr}/v1/agent/service/register`, {
    method: 'PUT',
    headers: service.token ? { 'x-consul-token': service.token } : {},
    body: JSON.stringify({
      ID: service.id,
      Name: service.name,
      Address: '127.0.0.1',
      Port: service.port,
      Meta: service.meta ?? {},
      Check: { HTTP: `http://127.0.0.1:${service.port}/health`, Interval: '1s', Timeout: '1s' },
      ...(service.sidecar ? { Connect: { SidecarService: service.sidecar } } : {}),
    }),
  });
  if (!response.ok) throw new Error(`registering ${service.id}: ${response.status} ${await response.text()}`);
}

/** The bootstrap `consul connect envoy -bootstrap` writes, unchanged but for the admin port it is told. */
export async function consulBootstrap(consul: ConsulHandle, options: { sidecarFor: string; xdsPort: number; adminPort: number; token?: string }): Promise<unknown> {
  const { stdout } = await run(
    toolBin('consul'),
    [
      'connect', 'envoy', '-bootstrap',
      '-sidecar-for', options.sidecarFor,
      '-grpc-addr', `127.0.0.1:${options.xdsPort}`,
      '-admin-bind', `127.0.0.1:${options.adminPort}`,
      ...(options.token ? ['-token', options.token] : []),
    ],
    { env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr, ...(options.token ? { CONSUL_HTTP_TOKEN: options.token } : {}) } },
  );
  return JSON.parse(stdout) as unknown;
}

/**
 * `consul connect envoy -gateway=<kind> -register -bootstrap`: registers the gateway service
 * at `address` (Consul's TCP check dials it) and returns the bootstrap its Envoy runs from.
 */
export async function consulGatewayBootstrap(
  consul: ConsulHandle,
  options: { kind: 'ingress' | 'terminating' | 'mesh' | 'api'; service: string; address: string; xdsPort: number; adminPort: number; token?: string },
): Promise<unknown> {
  const { stdout } = await run(
    toolBin('consul'),
    [
      'connect', 'envoy', '-bootstrap', '-register',
      '-gateway', options.kind,
      '-service', options.service,
      '-address', options.address,
      '-grpc-addr', `127.0.0.1:${options.xdsPort}`,
      '-admin-bind', `127.0.0.1:${options.adminPort}`,
    ],
    { env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr, ...(options.token ? { CONSUL_HTTP_TOKEN: options.token } : {}) } },
  );
  return JSON.parse(stdout) as unknown;
}

/** `consul config write` of one entry, as a user would run it (with `token` when Consul runs ACLs). */
export async function consulConfigWrite(consul: ConsulHandle, file: string, token?: string): Promise<void> {
  await run(toolBin('consul'), ['config', 'write', file], { env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr, ...(token ? { CONSUL_HTTP_TOKEN: token } : {}) } });
}

/** `consul config delete -kind <kind> -name <name>`. */
export async function consulConfigDelete(consul: ConsulHandle, kind: string, name: string): Promise<void> {
  await run(toolBin('consul'), ['config', 'delete', '-kind', kind, '-name', name], { env: { ...process.env, CONSUL_HTTP_ADDR: consul.httpAddr } });
}

/** Waits until `count` checks of `service`'s instances have `status` in Consul (each check changes on its own schedule). */
export async function untilChecks(consul: ConsulHandle, service: string, status: 'critical' | 'passing', count: number): Promise<void> {
  await waitFor(`${count} ${status} checks on ${service}`, async () => {
    const checks = JSON.parse(await httpGet(`${consul.httpAddr}/v1/health/checks/${service}`)) as Array<{ Status: string }>;
    return checks.filter((c) => c.Status === status).length >= count ? true : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
}

/**
 * web's service-defaults with every caller-side and local setting served: its calls to api
 * (connect timeout 1.234 s, limits 7/8/9, passive health check 3 s, 4 failures, 60 %, 50 %, 6 s)
 * and its own app (connect 2.5 s, requests 9 s). Shared by the suites that check them.
 */
export const WEB_SERVICE_DEFAULTS = {
  Kind: 'service-defaults',
  Name: 'web',
  LocalConnectTimeoutMs: 2500,
  LocalRequestTimeoutMs: 9000,
  UpstreamConfig: {
    Overrides: [
      {
        Name: 'api',
        ConnectTimeoutMs: 1234,
        Limits: { MaxConnections: 7, MaxPendingRequests: 8, MaxConcurrentRequests: 9 },
        PassiveHealthCheck: { Interval: '3s', MaxFailures: 4, EnforcingConsecutive5xx: 60, MaxEjectionPercent: 50, BaseEjectionTime: '6s' },
      },
    ],
  },
};
