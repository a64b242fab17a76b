import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import initSqlJs, { type Database, type SqlJsStatic, type SqlValue } from 'sql.js';

export type SqlParam = string | number | null;
export type Row = Record<string, SqlValue>;

/** An ordered list of schema steps; PRAGMA user_version records how many have run. */
export type Migrations = readonly string[];

export class DatabaseFileError extends Error {
  constructor(file: string, action: string, cause: unknown) {
    super(`${action} ${file} failed: ${cause instanceof Error ? cause.message : String(cause)}. Check that MESH_DATA_DIR (or SQLITE_PATH) is writable and not full.`);
    this.name = 'DatabaseFileError';
  }
}

let engine: Promise<SqlJsStatic> | undefined;
function sqlJs(): Promise<SqlJsStatic> {
  engine ??= initSqlJs({ locateFile: (file: string) => require.resolve(`sql.js/dist/${file}`) });
  return engine;
}

/**
 * SQLite (the real engine, compiled to WebAssembly by sql.js) persisted to one file.
 * Every committed write is written to `<file>.tmp`, fsynced and renamed over the file, so
 * the file always holds the last committed state, even after a crash mid-write. The whole
 * database is rewritten per commit: fine for the demo's few thousand rows, and the reason
 * services/README.md says when to move to PostgreSQL.
 */
export class SqliteDatabase {
  private depth = 0;

  private constructor(
    private db: Database,
    private readonly engine: SqlJsStatic,
    readonly file: string,
  ) {}

  /** Opens (or creates) `file`, or an in-memory database for `:memory:`, and applies pending migrations. */
  static async open(file: string, migrations: Migrations): Promise<SqliteDatabase> {
    const engine = await sqlJs();
    let bytes: Uint8Array | undefined;
    if (file !== ':memory:') {
      try {
        mkdirSync(dirname(file), { recursive: true });
        if (existsSync(file)) bytes = readFileSync(file);
      } catch (error) {
        throw new DatabaseFileError(file, 'Opening', error);
      }
    }
    const database = new SqliteDatabase(new engine.Database(bytes), engine, file);
    database.pragmas();
    database.migrate(migrations);
    return database;
  }

  private pragmas(): void {
    this.db.run('PRAGMA foreign_keys = ON');
  }

  private migrate(migrations: Migrations): void {
    const applied = Number(this.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0);
    if (applied > migrations.length) {
      throw new Error(`${this.file} has schema version ${applied} but this build knows ${migrations.length}; it was written by a newer build. Use that build or a fresh MESH_DATA_DIR.`);
    }
    if (applied === migrations.length) return;
    this.transaction(() => {
      for (const step of migrations.slice(applied)) this.db.exec(step);
      this.db.run(`PRAGMA user_version = ${migrations.length}`);
    });
  }

  /** A write outside transaction() is committed and persisted on its own. */
  run(sql: string, params: readonly SqlParam[] = []): { changes: number } {
    if (this.depth > 0) {
      this.db.run(sql, [...params]);
      return { changes: this.db.getRowsModified() };
    }
    return this.transaction(() => {
      this.db.run(sql, [...params]);
      return { changes: this.db.getRowsModified() };
    });
  }

  all<T extends object = Row>(sql: string, params: readonly SqlParam[] = []): T[] {
    const statement = this.db.prepare(sql, [...params]);
    try {
      const rows: T[] = [];
      while (statement.step()) rows.push(statement.getAsObject() as T);
      return rows;
    } finally {
      statement.free();
    }
  }

  get<T extends object = Row>(sql: string, params: readonly SqlParam[] = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  /**
   * Runs `work` atomically: all of its writes are committed and persisted, or none are
   * (an exception rolls back). `work` must be synchronous: nothing else may interleave.
   */
  transaction<R>(work: () => R): R {
    if (this.depth > 0) return work();
    this.db.run('BEGIN IMMEDIATE');
    this.depth = 1;
    let result: R;
    try {
      result = work();
      if (result instanceof Promise) throw new Error('SqliteDatabase.transaction() needs a synchronous function; await outside it');
      this.db.run('COMMIT');
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    } finally {
      this.depth = 0;
    }
    this.persist();
    return result;
  }

  /** Throws when the engine cannot answer a trivial query (used by /health). */
  ping(): void {
    this.get('SELECT 1 AS ok');
  }

  close(): void {
    this.db.close();
  }

  private persist(): void {
    if (this.file === ':memory:') return;
    const bytes = this.db.export();
    // export() reopens the connection, which resets per-connection pragmas.
    this.pragmas();
    const temporary = `${this.file}.tmp`;
    try {
      const fd = openSync(temporary, 'w');
      try {
        writeSync(fd, bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, this.file);
    } catch (error) {
      // Keep memory equal to the file: forget the commit that could not be persisted.
      this.db.close();
      this.db = new this.engine.Database(existsSync(this.file) ? readFileSync(this.file) : undefined);
      this.pragmas();
      throw new DatabaseFileError(this.file, 'Writing', error);
    }
  }
}
