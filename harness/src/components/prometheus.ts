import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { httpGet } from '../process/wait-for';
import { toolBin } from '../toolchain/paths';

export interface PrometheusHandle {
  url: string;
  port: number;
  configFile: string;
  process: ManagedProcess;
}

export interface PrometheusOptions {
  port?: number;
  /** The prometheus.yml contents; by default Prometheus scrapes only itself. */
  config?: unknown;
  readyTimeoutMs?: number;
}

/** One scrape_configs entry, as the generators build them. */
export interface PrometheusScrapeJob {
  job_name: string;
  metrics_path?: string;
  params?: Record<string, string[]>;
  /** Sent as `Authorization: Bearer …`, which Consul takes as its ACL token. */
  authorization?: { type: 'Bearer'; credentials: string };
  static_configs: Array<{ targets: string[]; labels?: Record<string, string> }>;
}

export function selfScrapeConfig(port: number): unknown {
  return {
    global: { scrape_interval: '5s', evaluation_interval: '5s' },
    scrape_configs: [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }],
  };
}

/** Prometheus with its TSDB in the run directory. Ready means `/-/ready` answers 200. */
export async function startPrometheus(supervisor: ProcessSupervisor, options: PrometheusOptions = {}): Promise<PrometheusHandle> {
  const port = options.port ?? (await freePort());
  const configFile = join(supervisor.runDir, 'prometheus.yml');
  writeFileSync(configFile, stringify(options.config ?? selfScrapeConfig(port)));
  const url = `http://127.0.0.1:${port}`;
  const managed = await supervisor.start({
    name: 'prometheus',
    command: toolBin('prometheus'),
    args: [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      `--storage.tsdb.path=${join(supervisor.runDir, 'prometheus-data')}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    ready: async () => (await httpGet(`${url}/-/ready`)) !== undefined,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
  });
  return { url, port, configFile, process: managed };
}
