/**
 * Orphan guard, run as a detached process by the supervisor: when the supervising
 * process dies without cleaning up (SIGKILL, a crashed test worker), this kills every
 * process group still listed in the pid file. It exits as soon as the file is removed.
 *
 * Usage: node reaper.js <parent-pid> <pid-file>
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isAlive } from './pid';

const [parentArg, pidFile] = process.argv.slice(2);
const parent = Number(parentArg);
if (!Number.isInteger(parent) || !pidFile) {
  console.error('usage: reaper <parent-pid> <pid-file>');
  process.exit(2);
}


function groups(): number[] {
  return readFileSync(pidFile as string, 'utf8')
    .split('\n')
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 1);
}

function signalAll(signal: NodeJS.Signals): void {
  for (const pgid of groups()) {
    try {
      process.kill(-pgid, signal);
    } catch {
      // already gone
    }
  }
}

const timer = setInterval(() => {
  if (!existsSync(pidFile)) process.exit(0);
  if (isAlive(parent)) return;
  clearInterval(timer);
  signalAll('SIGTERM');
  setTimeout(() => {
    signalAll('SIGKILL');
    rmSync(pidFile, { force: true });
    process.exit(0);
  }, 3000);
}, 500);
