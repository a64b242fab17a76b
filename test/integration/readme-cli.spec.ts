import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { repoRoot } from '@mesh/harness';

const run = promisify(execFile);

/** A command line exactly as the README has the user type it, from the repository root. */
async function npx(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run('npx', args, { cwd: repoRoot(), env: { ...process.env, CI: '1' }, timeout: 60_000 });
    return { code: 0, output: `${stdout}${stderr}` };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe("the README's CLI commands", () => {
  it('`npx mesh --help` lists the commands', async () => {
    const { code, output } = await npx('mesh', '--help');
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('Usage: mesh') });
    for (const command of ['up', 'xds', 'status', 'validate', 'generate', 'diff', 'cluster']) expect(output).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
  });

  it('`npx mesh validate mesh.config.ts` accepts the demo mesh', async () => {
    const { code, output } = await npx('mesh', 'validate', 'mesh.config.ts');
    expect({ code, output }).toEqual({ code: 0, output: expect.stringMatching(/^✔ mesh\.config\.ts is valid: 3 nodes, 6 services/m) });
  });
});
