import { Pool, type PoolClient, type PoolConfig } from 'pg';
import type { Migrations, SqlParam } from './sqlite-database';

/** The store a service keeps its data in: SQLite on one node (the default), PostgreSQL when its instances span nodes. */
export type StoreKind = 'sqlite' | 'postgres';

export class StoreConfigError extends Error {
  override readonly name = 'StoreConfigError';
}

/** MESH_STORE: `sqlite` (default) or `postgres`; the generator sets `postgres` for services placed on several nodes. */
export function storeKind(env: NodeJS.ProcessEnv = process.env): StoreKind {
  const value = env.MESH_STORE ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') throw new StoreConfigError(`MESH_STORE=${value}: expected sqlite or postgres`);
  return value;
}

/**
 * The repositories are written once in SQL both engines accept, with `?` placeholders; this
 * turns them into PostgreSQL's `$n`. The queries hold no `?` inside literals.
 */
export function toPostgresPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** SQLite's row ids become PostgreSQL identities; the rest of the schemas is common SQL. */
export function toPostgresSchema(sql: string): string {
  return sql
    .replace(/INTEGER PRIMARY KEY AUTOINCREMENT/g, 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replace(/\bBLOB\b/g, 'BYTEA');
}

/** Parameters: SQLite's, plus bytes (bytea). */
export type PgParam = SqlParam | Buffer;

export interface Queryable {
  all<T extends object>(sql: string, params?: readonly PgParam[]): Promise<T[]>;
  get<T extends object>(sql: string, params?: readonly PgParam[]): Promise<T | undefined>;
  run(sql: string, params?: readonly PgParam[]): Promise<{ changes: number }>;
}

class ClientQueries implements Queryable {
  constructor(private readonly client: Pick<PoolClient, 'query'>) {}

  async all<T extends object>(sql: string, params: readonly PgParam[] = []): Promise<T[]> {
    return (await this.client.query(toPostgresPlaceholders(sql), [...params])).rows as T[];
  }

  async get<T extends object>(sql: string, params: readonly PgParam[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly PgParam[] = []): Promise<{ changes: number }> {
    return { changes: (await this.client.query(toPostgresPlaceholders(sql), [...params])).rowCount ?? 0 };
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * A service's tables in PostgreSQL, in a schema of their own (the service's name), shared
 * by all of its instances. The connection comes from the standard PG* variables (PGHOST,
 * PGPORT, PGDATABASE, PGUSER, PGPASSWORD), which `pg` reads itself. Migrations run under
 * an advisory lock, so two replicas starting together apply each step once.
 */
export class PostgresDatabase implements Queryable {
  private readonly queries: ClientQueries;

  private constructor(
    private readonly pool: Pool,
    readonly schema: string,
  ) {
    this.queries = new ClientQueries(pool);
  }

  static async open(schema: string, migrations: Migrations, config: PoolConfig = {}): Promise<PostgresDatabase> {
    const name = schema.replace(/-/g, '_');
    if (!IDENTIFIER.test(name)) throw new StoreConfigError(`schema "${schema}": use lower-case letters, digits, dashes and underscores`);
    const pool = new Pool({ max: 5, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, ...config, options: `-c search_path="${name}"` });
    // An idle client that loses its connection (the database restarted) must not crash the service.
    pool.on('error', () => undefined);
    const database = new PostgresDatabase(pool, name);
    try {
      await database.migrate(migrations);
    } catch (error) {
      await pool.end();
      throw new StoreConfigError(
        `PostgreSQL (${config.host ?? process.env.PGHOST ?? 'PGHOST unset'}:${config.port ?? process.env.PGPORT ?? 5432}, schema ${name}): ${error instanceof Error ? error.message : String(error)}. ` +
          'Check PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD, and that the server accepts this host (pg_hba.conf).',
      );
    }
    return database;
  }

  private async migrate(migrations: Migrations): Promise<void> {
    await this.transaction(async (tx) => {
      // One lock per schema: replicas of one service wait for each other, other services do not.
      await tx.run('SELECT pg_advisory_xact_lock(hashtext(?))', [this.schema]);
      await tx.run(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await tx.run(`CREATE TABLE IF NOT EXISTS "${this.schema}".schema_version (version INTEGER NOT NULL)`);
      const row = await tx.get<{ version: number }>(`SELECT version FROM "${this.schema}".schema_version`);
      const applied = row?.version ?? 0;
      if (applied > migrations.length) throw new Error(`schema ${this.schema} is at version ${applied} but this build knows ${migrations.length}; it was written by a newer build`);
      for (const step of migrations.slice(applied)) await tx.run(toPostgresSchema(step));
      if (row) await tx.run(`UPDATE "${this.schema}".schema_version SET version = ?`, [migrations.length]);
      else await tx.run(`INSERT INTO "${this.schema}".schema_version (version) VALUES (?)`, [migrations.length]);
    });
  }

  all<T extends object>(sql: string, params?: readonly PgParam[]): Promise<T[]> {
    return this.queries.all<T>(sql, params);
  }

  get<T extends object>(sql: string, params?: readonly PgParam[]): Promise<T | undefined> {
    return this.queries.get<T>(sql, params);
  }

  run(sql: string, params?: readonly PgParam[]): Promise<{ changes: number }> {
    return this.queries.run(sql, params);
  }

  /** Runs `work` in one transaction on one connection: committed when it resolves, rolled back when it throws. */
  async transaction<R>(work: (tx: Queryable) => Promise<R>): Promise<R> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(new ClientQueries(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** For /health: the database answers a query. */
  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
