import { appendFileSync } from 'node:fs';

export interface LoggedCommandOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Every output line is appended here. */
  logFile: string;
  /** Receives each output line, for progress display. */
  onLine?: (line: string) => void;
}

export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError';
  constructor(
    readonly command: string,
    readonly exitCode: number | undefined,
    readonly outputTail: string[],
  ) {
    super(
      `\`${command}\` ${exitCode === undefined ? 'could not start' : `exited with ${exitCode}`}` +
        (outputTail.length ? `; last output:\n    ${outputTail.join('\n    ')}` : ''),
    );
  }
}

const TAIL_LINES = 15;

/** Runs a command to completion, logging all of its output and keeping the tail for errors. */
export async function runLogged(file: string, args: string[], options: LoggedCommandOptions): Promise<string> {
  const commandLine = [file, ...args].join(' ');
  appendFileSync(options.logFile, `\n$ ${commandLine}\n`);
  const tail: string[] = [];
  const stdout: string[] = [];
  // execa is ESM-only; a dynamic import keeps this CommonJS package loadable.
  const { execa } = await import('execa');
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    lines: true,
    buffer: false,
  });
  const collect = (stream: 'stdout' | 'stderr') => async () => {
    for await (const line of subprocess.iterable({ from: stream })) {
      appendFileSync(options.logFile, `${line}\n`);
      if (stream === 'stdout') stdout.push(line);
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      options.onLine?.(line);
    }
  };
  const [result] = await Promise.all([subprocess, collect('stdout')(), collect('stderr')()]);
  if (result.failed) {
    if (result.exitCode === undefined && result.originalMessage) tail.push(result.originalMessage);
    throw new CommandFailedError(commandLine, result.exitCode, tail);
  }
  return stdout.join('\n');
}
