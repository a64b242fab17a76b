import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { IpCommand } from './host-plan';

const exec = promisify(execFile);

export class IpCommandError extends Error {
  override readonly name = 'IpCommandError';
  constructor(
    readonly args: IpCommand,
    readonly stderr: string,
  ) {
    super(
      `ip ${args.join(' ')} failed: ${stderr.trim() || 'no output'}. Simulated hosts need root (or CAP_NET_ADMIN) and iproute2; ` +
        'a leftover from another run is removed by `mesh cluster down`.',
    );
  }
}

/** Runs `ip <args>`, failing with its stderr. */
export async function ip(args: IpCommand): Promise<string> {
  try {
    const { stdout } = await exec('ip', [...args], { timeout: 15_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? (error instanceof Error ? error.message : String(error));
    throw new IpCommandError(args, stderr);
  }
}

/** Runs `ip <args>` where the object may already be gone; reports whether it succeeded. */
export async function ipIfPresent(args: IpCommand): Promise<boolean> {
  try {
    await exec('ip', [...args], { timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

export async function listNamespaces(): Promise<string[]> {
  const out = await ip(['netns', 'list']);
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0] ?? '')
    .filter((name) => name.length > 0);
}

/** The pids of every process in a namespace (`ip netns pids`); none when it does not exist. */
export async function namespacePids(namespace: string): Promise<number[]> {
  try {
    const out = await ip(['netns', 'pids', namespace]);
    return out
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 1);
  } catch {
    return [];
  }
}

/** SIGKILLs every process in the namespace, as `ip netns pids <ns> | xargs kill -9` does. */
export async function killNamespaceProcesses(namespace: string): Promise<number[]> {
  const pids = await namespacePids(namespace);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return pids;
}

/** The argv that runs `command` inside a namespace; `ip netns exec` execs it, so the pid is the command's. */
export function inNamespace(namespace: string, command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: 'ip', args: ['netns', 'exec', namespace, command, ...args] };
}
