import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { allocatePorts } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { toolBin } from '../toolchain/paths';

const run = promisify(execFile);

export interface TemporalPorts {
  frontend: number;
  ui: number;
  http: number;
  metrics: number;
}

export interface TemporalHandle {
  /** host:port of the frontend, for `--address` and the SDK's connection. */
  address: string;
  /** Web UI URL, or undefined when started headless. */
  uiUrl: string | undefined;
  ports: TemporalPorts;
  process: ManagedProcess;
}

export interface TemporalOptions {
  ports?: Partial<TemporalPorts>;
  /** Disable the Web UI (tests do). */
  headless?: boolean;
  /** SQLite file; in memory when omitted. */
  dbFile?: string;
  readyTimeoutMs?: number;
}

/** Runs the `temporal` CLI against a server, returning stdout. */
export async function temporalCli(address: string, args: string[]): Promise<string> {
  const { stdout } = await run(toolBin('temporal'), [...args, '--address', address], { timeout: 15_000 });
  return stdout;
}

/** `temporal server start-dev`. Ready means the `default` namespace can be described. */
export async function startTemporal(supervisor: ProcessSupervisor, options: TemporalOptions = {}): Promise<TemporalHandle> {
  const ports: TemporalPorts = await allocatePorts(['frontend', 'ui', 'http', 'metrics'], options.ports);
  const address = `127.0.0.1:${ports.frontend}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(ports.frontend),
    '--http-port',
    String(ports.http),
    '--metrics-port',
    String(ports.metrics),
    '--log-level',
    'warn',
    '--namespace',
    'default',
    ...(options.headless ? ['--headless'] : ['--ui-port', String(ports.ui), '--ui-disable-news-fetch']),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
  ];
  const managed = await supervisor.start({
    name: 'temporal',
    command: toolBin('temporal'),
    args,
    ready: async () => (await temporalCli(address, ['operator', 'namespace', 'describe', '--namespace', 'default'])).includes('default'),
    readyTimeoutMs: options.readyTimeoutMs ?? 90_000,
  });
  return {
    address,
    uiUrl: options.headless ? undefined : `http://127.0.0.1:${ports.ui}`,
    ports,
    process: managed,
  };
}
