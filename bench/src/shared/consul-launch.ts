import { join } from 'node:path';
import { allocatePorts, httpGet, repoRoot, toolBin, type ConsulHandle, type ConsulPorts, type ProcessSupervisor } from '@mesh/harness';

/**
 * Consul's default cap on concurrent HTTP connections from one client address. The control
 * plane holds one blocking query per watched service, so past ~200 services it is refused
 * with HTTP 429 unless the agent allows more.
 */
export const CONSUL_DEFAULT_MAX_CONNS_PER_CLIENT = 200;

export interface BenchConsulOptions {
  /** limits.http_max_conns_per_client; Consul's default when omitted. */
  httpMaxConnsPerClient?: number;
}

/**
 * The harness's Consul dev agent, plus the one limit the scale scenarios must raise. Same
 * config file, same readiness rule: a leader, a catalog answer and the CA's root.
 */
export async function startBenchConsul(supervisor: ProcessSupervisor, options: BenchConsulOptions = {}): Promise<ConsulHandle> {
  const ports: ConsulPorts = await allocatePorts(['http', 'grpc', 'serfLan', 'serfWan', 'server']);
  const httpAddr = `http://127.0.0.1:${ports.http}`;
  const limits = options.httpMaxConnsPerClient === undefined ? [] : [`-hcl=limits { http_max_conns_per_client = ${options.httpMaxConnsPerClient} }`];
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
      ...limits,
    ],
    ready: async () => {
      if (JSON.parse(await httpGet(`${httpAddr}/v1/status/leader`)) === '') return false;
      await httpGet(`${httpAddr}/v1/catalog/services`);
      const roots = JSON.parse(await httpGet(`${httpAddr}/v1/agent/connect/ca/roots`)) as { Roots?: unknown[] };
      return (roots.Roots?.length ?? 0) > 0;
    },
    readyTimeoutMs: 60_000,
  });
  return { httpAddr, ports, process: managed };
}
