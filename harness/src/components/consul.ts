import { join } from 'node:path';
import { allocatePorts } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { repoRoot, toolBin } from '../toolchain/paths';

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
}

export interface ConsulOptions {
  /** Fixed ports; any left out are chosen free. */
  ports?: Partial<ConsulPorts>;
  readyTimeoutMs?: number;
}

/**
 * A Consul dev agent: one in-memory server with Connect and its built-in CA. Ready means
 * a leader is elected, the v1 catalog answers and the CA has issued its root.
 */
export async function startConsul(supervisor: ProcessSupervisor, options: ConsulOptions = {}): Promise<ConsulHandle> {
  const ports: ConsulPorts = await allocatePorts(['http', 'grpc', 'serfLan', 'serfWan', 'server'], options.ports);
  const httpAddr = `http://127.0.0.1:${ports.http}`;
  const managed = await supervisor.start({
    name: 'consul',
    command: toolBin('consul'),
    args: [
      'agent',
      '-dev',
      `-config-file=${join(repoRoot(), 'consul', 'dev.hcl')}`,
      '-bind=127.0.0.1',
      '-client=127.0.0.1',
      `-hcl=ports { http = ${ports.http}, grpc = ${ports.grpc}, grpc_tls = -1, dns = -1, serf_lan = ${ports.serfLan}, serf_wan = ${ports.serfWan}, server = ${ports.server} }`,
    ],
    ready: async () => {
      if (JSON.parse(await httpGet(`${httpAddr}/v1/status/leader`)) === '') return false;
      await httpGet(`${httpAddr}/v1/catalog/services`);
      const roots = JSON.parse(await httpGet(`${httpAddr}/v1/agent/connect/ca/roots`)) as { Roots?: unknown[] };
      return (roots.Roots?.length ?? 0) > 0;
    },
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  return { httpAddr, ports, process: managed };
}
