import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logTail } from './log-tail';
import { waitFor } from './wait-for';

export interface ProcessSpec {
  /** Short component name; also the log file name. */
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Returns something other than undefined/false once the component answers on its real API. */
  ready: () => Promise<unknown>;
  readyTimeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ComponentStartError extends Error {
  override readonly name = 'ComponentStartError';
  constructor(
    readonly component: string,
    readonly reason: string,
    readonly logFile: string,
  ) {
    super(`${component} failed to start: ${reason}\n--- last lines of ${logFile} ---\n${logTail(logFile)}\n---`);
  }
}

/** One supervised child, running in its own process group so that stopping it stops its children too. */
export class ManagedProcess {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
      child.once('error', (error) => {
        appendFileSync(logFile, `\n[supervisor] spawn failed: ${error.message}\n`);
        this.exitInfo = { code: null, signal: null };
        resolve(this.exitInfo);
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  /** SIGTERM to the whole group, then SIGKILL once `graceMs` has passed. */
  async stop(graceMs = 5000): Promise<ExitInfo> {
    if (!this.running) return this.exitInfo as ExitInfo;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Synchronous last resort for process 'exit' handlers. */
  kill(): void {
    if (this.running) this.signal('SIGKILL');
  }

  private signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // the group is already gone
    }
  }
}

/**
 * Starts components as child processes, waits until each answers on its real API, keeps
 * each one's output in `<runDir>/<name>.log`, and stops them all in reverse start order.
 * A detached reaper kills whatever is left if this process dies without stopping them.
 */
export class ProcessSupervisor {
  private readonly processes: ManagedProcess[] = [];
  private readonly pidFile: string;
  private reaperStarted = false;
  private readonly killOnExit = () => this.processes.forEach((p) => p.kill());

  constructor(readonly runDir: string) {
    mkdirSync(runDir, { recursive: true });
    this.pidFile = join(runDir, '.supervised-pids');
    process.once('exit', this.killOnExit);
  }

  async start(spec: ProcessSpec): Promise<ManagedProcess> {
    const logFile = join(this.runDir, `${spec.name}.log`);
    const fd = openSync(logFile, 'a');
    let child: ChildProcess;
    try {
      appendFileSync(logFile, `[supervisor] ${new Date().toISOString()} ${spec.command} ${spec.args.join(' ')}\n`);
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd ?? this.runDir,
        env: { ...process.env, ...spec.env },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd);
    }
    const managed = new ManagedProcess(spec.name, logFile, child);
    this.processes.push(managed);
    this.recordPids();

    const died = managed.exited.then((exit): never => {
      throw new ComponentStartError(spec.name, `exited during startup (${describeExit(exit)})`, logFile);
    });
    try {
      await waitFor(`${spec.name} readiness`, spec.ready, { timeoutMs: spec.readyTimeoutMs ?? 60_000, abort: died });
    } catch (error) {
      await managed.stop(2000);
      if (error instanceof ComponentStartError) throw error;
      throw new ComponentStartError(spec.name, error instanceof Error ? error.message : String(error), logFile);
    }
    return managed;
  }

  get running(): readonly ManagedProcess[] {
    return this.processes.filter((p) => p.running);
  }

  async stopAll(graceMs = 5000): Promise<void> {
    for (const p of [...this.processes].reverse()) await p.stop(graceMs);
    this.processes.length = 0;
    rmSync(this.pidFile, { force: true });
    process.removeListener('exit', this.killOnExit);
  }

  private recordPids(): void {
    writeFileSync(this.pidFile, this.processes.map((p) => p.pid).join('\n'));
    if (this.reaperStarted) return;
    this.reaperStarted = true;
    // ../.. is the package root from both src/process and dist/process.
    const reaper = join(__dirname, '..', '..', 'dist', 'process', 'reaper.js');
    spawn(process.execPath, [reaper, String(process.pid), this.pidFile], { detached: true, stdio: 'ignore' }).unref();
  }
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
}
