import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { allocatePorts } from '../process/free-port';
import type { ManagedProcess, ProcessSupervisor } from '../process/supervisor';
import { toolBin } from '../toolchain/paths';

const exec = promisify(execFile);

/** PostgreSQL refuses to run as root; the harness runs it as this unprivileged user. */
const SERVER_UID = 65534;
const SERVER_GID = 65534;

export interface PostgresOptions {
  /** The cluster's data directory; initdb creates it on first use, later runs reuse it. */
  dataDir: string;
  /** The address it listens on (the control node's, in a simulated cluster). */
  host?: string;
  port?: number;
  user?: string;
  password: string;
  /** Networks allowed to connect with the password, besides loopback (pg_hba.conf). */
  allowedNetworks?: readonly string[];
  /** Runs the server elsewhere, e.g. inside a network namespace; the identity by default. */
  wrap?: (command: string, args: string[]) => { command: string; args: string[] };
  name?: string;
}

export interface PostgresHandle {
  host: string;
  port: number;
  user: string;
  /** The standard libpq variables, which `pg` reads (PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD). */
  env: Record<string, string>;
  process: ManagedProcess;
}

function asServerUser(command: string, args: string[]): { command: string; args: string[] } {
  return { command: 'setpriv', args: [`--reuid=${SERVER_UID}`, `--regid=${SERVER_GID}`, '--clear-groups', '--', command, ...args] };
}

/**
 * PostgreSQL from the Debian package (initdb + postgres, linked into .tools/bin by setup),
 * run by the harness with its own data directory, never as the system service. Clients
 * authenticate with a password (scram-sha-256). Ready means a login succeeds.
 */
export async function startPostgres(supervisor: ProcessSupervisor, options: PostgresOptions): Promise<PostgresHandle> {
  const host = options.host ?? '127.0.0.1';
  const { port } = await allocatePorts(['port'], options.port === undefined ? {} : { port: options.port });
  const user = options.user ?? 'mesh';
  const wrap = options.wrap ?? ((command, args) => ({ command, args }));
  const parent = dirname(options.dataDir);
  mkdirSync(parent, { recursive: true });
  // The server user must be able to reach its data directory (a test's mkdtemp parent is 0700).
  chmodSync(parent, statSync(parent).mode | 0o111);
  for (let dir = dirname(parent); dir !== dirname(dir); dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new Error(`PostgreSQL runs as an unprivileged user (uid ${SERVER_UID}), which cannot enter ${dir} on the way to ${options.dataDir}: chmod o+x ${dir}, or put the run directory elsewhere.`);
    }
  }
  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chownSync(options.dataDir, SERVER_UID, SERVER_GID);
    // initdb reads the password from a file; only the server user can read this one, and it is removed at once.
    const secrets = mkdtempSync(join(tmpdir(), 'mesh-pg-init-'));
    const pwfile = join(secrets, 'pw');
    writeFileSync(pwfile, `${options.password}\n`, { mode: 0o600 });
    chownSync(secrets, SERVER_UID, SERVER_GID);
    chownSync(pwfile, SERVER_UID, SERVER_GID);
    try {
      const init = asServerUser(toolBin('initdb'), ['-D', options.dataDir, '-U', user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8']);
      await exec(init.command, init.args, { timeout: 120_000 });
    } finally {
      rmSync(secrets, { recursive: true, force: true });
    }
    const hba = ['local all all scram-sha-256', 'host all all 127.0.0.1/32 scram-sha-256', ...(options.allowedNetworks ?? []).map((n) => `host all all ${n} scram-sha-256`)];
    writeFileSync(join(options.dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`);
  }
  chmodSync(options.dataDir, 0o700);
  const server = asServerUser(toolBin('postgres'), [
    '-D',
    options.dataDir,
    '-c',
    `listen_addresses=${host}`,
    '-c',
    `port=${port}`,
    '-c',
    `unix_socket_directories=${options.dataDir}`,
    '-c',
    'max_connections=200',
    '-c',
    'fsync=on',
  ]);
  const wrapped = wrap(server.command, server.args);
  const env = { PGHOST: host, PGPORT: String(port), PGDATABASE: 'postgres', PGUSER: user, PGPASSWORD: options.password };
  const managed = await supervisor.start({
    name: options.name ?? 'postgres',
    command: wrapped.command,
    args: wrapped.args,
    ready: async () => {
      const client = new Client({ host, port, user, password: options.password, database: 'postgres', connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        await client.query('SELECT 1');
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    readyTimeoutMs: 60_000,
  });
  return { host, port, user, env, process: managed };
}
