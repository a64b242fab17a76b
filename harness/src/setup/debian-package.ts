import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { DebianPin } from '../toolchain/pins';
import { runLogged } from './logged-command';

export interface DebianContext {
  logFile: string;
  /** Milestones of the step. */
  progress: (line: string) => void;
  /** Raw output of the commands the step runs. */
  output: (line: string) => void;
}

/** Absolute path of each binary the package provides, or undefined when one is missing. */
export function findBinaries(pin: DebianPin): Record<string, string> | undefined {
  const found: Record<string, string> = {};
  for (const name of pin.binaries) {
    const path = [...(pin.binDir ? [pin.binDir] : []), '/usr/bin', '/usr/local/bin'].map((d) => join(d, name)).find(isExecutable);
    if (!path) return undefined;
    found[name] = path;
  }
  return found;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Installs the package with apt-get (through `sudo -n` when not root). */
export async function installDebianPackage(pin: DebianPin, ctx: DebianContext): Promise<void> {
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]) => {
    const [file, ...rest] = [...sudo, ...args] as [string, ...string[]];
    return runLogged(file, rest, { logFile: ctx.logFile, onLine: ctx.output, env: { DEBIAN_FRONTEND: 'noninteractive' } });
  };
  ctx.progress('apt-get update');
  await run(['apt-get', 'update', '-q']);
  ctx.progress(`apt-get install ${pin.package}`);
  await run(['apt-get', 'install', '-y', '-q', '--no-install-recommends', pin.package]);
}
