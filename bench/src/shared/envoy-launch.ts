import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, httpGet, toolBin, type ManagedProcess, type ProcessSupervisor } from '@mesh/harness';

export interface BenchEnvoy {
  name: string;
  adminUrl: string;
  process: ManagedProcess;
}

/**
 * Envoy as the harness starts it, but with one worker thread: a benchmark runs a hundred of
 * them on two cores, and the main thread, which applies xDS, is the one being measured.
 */
export async function startBenchEnvoy(
  supervisor: ProcessSupervisor,
  name: string,
  bootstrap: (adminPort: number) => unknown,
  adminPort?: number,
): Promise<BenchEnvoy> {
  const port = adminPort ?? (await freePort());
  // Envoy reads a .json bootstrap as JSON.
  const bootstrapFile = join(supervisor.runDir, `${name}.bootstrap.json`);
  writeFileSync(bootstrapFile, JSON.stringify(bootstrap(port)));
  const adminUrl = `http://127.0.0.1:${port}`;
  const managed = await supervisor.start({
    name,
    command: toolBin('envoy'),
    args: ['-c', bootstrapFile, '--disable-hot-restart', '--concurrency', '1', '--log-level', 'warning'],
    ready: async () => (await httpGet(`${adminUrl}/ready`)).trim() === 'LIVE',
    readyTimeoutMs: 60_000,
  });
  return { name, adminUrl, process: managed };
}
