import { join } from 'node:path';
import { allocatePorts } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { repoRoot, toolBin } from '../toolchain/paths';
import { bootstrapAcls, createServiceToken as createAclToken } from './consul-acl';

export interface ConsulPorts {
  http: number;
  grpc: number;
  serfLan: number;
  serfWan: number;
  server: number;
}

export interface ConsulHandle {
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:8500 (the form CONSUL_HTTP_ADDR takes). */
  httpAddr: string;
  ports: ConsulPorts;
  process: ManagedProcess;
  /** With `acls`: the bootstrap (global-management) token; undefined without ACLs. */
  managementToken: string | undefined;
}

export interface ConsulOptions {
  /** Fixed ports; any left out are chosen free. */
  ports?: Partial<ConsulPorts>;
  readyTimeoutMs?: number;
  /** ACLs on with `default_policy = "deny"`, bootstrapped once the agent leads. */
  acls?: boolean;
  /** The process (and log file) name, for a test that runs more than one agent. */
  name?: string;
}

const ACL_HCL = '-hcl=acl { enabled = true, default_policy = "deny", enable_token_persistence = false }';

/**
 * A Consul dev agent: one in-memory server with Connect and its built-in CA. Ready means
 * a leader is elected, the v1 catalog answers and the CA has issued its root.
 */
export async function startConsul(supervisor: ProcessSupervisor, options: ConsulOptions = {}): Promise<ConsulHandle> {
  let managementToken: string | undefined;
  const ports: ConsulPorts = await allocatePorts(['http', 'grpc', 'serfLan', 'serfWan', 'server'], options.ports);
  const httpAddr = `http://127.0.0.1:${ports.http}`;
  const managed = await supervisor.start({
    name: options.name ?? 'consul',
    command: toolBin('consul'),
    args: [
      'agent',
      '-dev',
      `-config-file=${join(repoRoot(), 'consul', 'dev.hcl')}`,
      '-bind=127.0.0.1',
      '-client=127.0.0.1',
      `-hcl=ports { http = ${ports.http}, grpc = ${ports.grpc}, grpc_tls = -1, dns = -1, serf_lan = ${ports.serfLan}, serf_wan = ${ports.serfWan}, server = ${ports.server} }`,
      ...(options.acls ? [ACL_HCL] : []),
    ],
    ready: async () => {
      if (JSON.parse(await httpGet(`${httpAddr}/v1/status/leader`)) === '') return false;
      if (options.acls) {
        managementToken ??= await bootstrapAcls(httpAddr);
        if (managementToken === undefined) return false;
      }
      const headers = managementToken ? { 'x-consul-token': managementToken } : undefined;
      await httpGet(`${httpAddr}/v1/catalog/services`, 2000, headers);
      const roots = JSON.parse(await httpGet(`${httpAddr}/v1/agent/connect/ca/roots`, 2000, headers)) as { Roots?: unknown[] };
      return (roots.Roots?.length ?? 0) > 0;
    },
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  return { httpAddr, ports, process: managed, managementToken };
}

/**
 * One token per service, created on first use: what `mesh up` and the suites hand each app
 * and its sidecar. Undefined without ACLs, where nothing needs a token.
 */
export function serviceTokens(consul: ConsulHandle): ((service: string) => Promise<string>) | undefined {
  if (consul.managementToken === undefined) return undefined;
  const tokens = new Map<string, Promise<string>>();
  return (service) => {
    let token = tokens.get(service);
    if (!token) {
      token = createServiceToken(consul, service).then((t) => t.secretId);
      tokens.set(service, token);
    }
    return token;
  };
}

/** A token with a service identity for `service`: what that service and its sidecar present to Consul and the control plane. */
export function createServiceToken(consul: ConsulHandle, service: string): Promise<{ secretId: string; accessorId: string }> {
  if (consul.managementToken === undefined) throw new Error(`creating a token for ${service}: this Consul runs without ACLs`);
  return createAclToken(consul.httpAddr, consul.managementToken, service);
}
