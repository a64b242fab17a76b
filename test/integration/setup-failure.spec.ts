import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, loadToolchain, repoRoot } from '@mesh/harness';

const run = promisify(execFile);

interface Outcome {
  code: number;
  output: string;
}

/** Runs the tool setup with an empty cache and the Go module proxy pointed at a closed port. */
async function setupWithDeadProxy(cache: string, proxyPort: number): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot(), 'harness/dist/setup/main.js')], {
      cwd: repoRoot(),
      env: { ...process.env, MESH_TOOLS_CACHE: cache, GOPROXY: `http://127.0.0.1:${proxyPort}`, GOFLAGS: '' },
      timeout: 120_000,
    });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('a failing setup step', () => {
  const consul = loadToolchain().go.consul;
  const step = `consul ${consul.version} (go build ${consul.module})`;

  it('names the step and how to retry, keeps nothing, and starts over on the next run', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'mesh-tools-cache-'));
    const closedPort = await freePort();

    const first = await setupWithDeadProxy(cache, closedPort);
    expect(first.code).toBe(1);
    expect(first.output).toContain(`setup step "${step}" failed`);
    expect(first.output).toContain(`127.0.0.1:${closedPort}`);
    expect(first.output).toContain('run `npm run setup` again');
    // Nothing half-built is left where a later run would trust it.
    expect(existsSync(join(cache, 'bin'))).toBe(false);
    expect(readdirSync(join(cache, 'tmp'))).toEqual([]);

    const second = await setupWithDeadProxy(cache, closedPort);
    expect(second.code).toBe(1);
    expect(second.output).toContain(`downloading ${consul.module}@${consul.version}`);
    expect(second.output).not.toMatch(/consul .*SKIPPED/);
    expect(second.output).toContain(`setup step "${step}" failed`);
  });
});
