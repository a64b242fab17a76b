import { readFileSync } from 'node:fs';

export class ProcStatsError extends Error {
  override readonly name = 'ProcStatsError';
}

/** Linux reports CPU time in clock ticks; USER_HZ is 100 on every mainstream distribution. */
const TICKS_PER_SECOND = 100;

/** Resident memory of a process, in bytes (VmRSS from /proc/<pid>/status). */
export function residentBytes(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new ProcStatsError(`cannot read /proc/${pid}/status (${error instanceof Error ? error.message : String(error)}); is the process running?`);
  }
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) throw new ProcStatsError(`/proc/${pid}/status has no VmRSS line`);
  return Number(kib) * 1024;
}

/** User + system CPU seconds a process has used so far (10 ms resolution). */
export function cpuSeconds(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    throw new ProcStatsError(`cannot read /proc/${pid}/stat (${error instanceof Error ? error.message : String(error)}); is the process running?`);
  }
  // Fields after the parenthesised command name, which may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new ProcStatsError(`unexpected /proc/${pid}/stat format: ${stat.slice(0, 200)}`);
  return (utime + stime) / TICKS_PER_SECOND;
}

export const MiB = 2 ** 20;
