import type { ProcessSupervisor } from '@mesh/harness';

export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

/** What every scenario gets: the supervisor owning its processes, and the run's interrupt signal. */
export interface RunContext {
  supervisor: ProcessSupervisor;
  signal: AbortSignal;
  log: (line: string) => void;
  /** Node options for our control plane, e.g. --cpu-prof when profiling. */
  controlPlaneNodeArgs: string[];
}

/** Keeps an interrupted run from starting further components once the handler has stopped the rest. */
export function throwIfInterrupted(signal: AbortSignal): void {
  if (signal.aborted) throw new InterruptedError();
}

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The control plane's log level in benchmarks: info, what an operator runs with (a line per stream opened and closed). */
export const BENCH_LOG: Record<string, string> = { MESH_LOG_LEVEL: 'info' };
