import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PostgresDatabase } from '@mesh/service-kit';

/** Where uploaded bytes live; the returned path is what `storage_path` records. */
export abstract class DocumentStore {
  abstract write(name: string, bytes: Buffer): Promise<string>;
  abstract read(path: string): Promise<Buffer>;
  abstract remove(path: string): Promise<void>;
}

/** One file per document, written atomically (temp file, fsync, rename): the single-node store. */
export class FileDocumentStore extends DocumentStore {
  constructor(private readonly dir: string) {
    super();
  }

  async write(name: string, bytes: Buffer): Promise<string> {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, name);
    const temporary = `${path}.tmp`;
    const fd = openSync(temporary, 'w');
    try {
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    return path;
  }

  async read(path: string): Promise<Buffer> {
    return readFileSync(path);
  }

  async remove(path: string): Promise<void> {
    rmSync(path, { force: true });
  }
}

const PG_PREFIX = 'pg:';

/**
 * The bytes in PostgreSQL, beside the rows, for instances on several nodes: a document
 * uploaded on one node is scanned and reviewed on another. Uploads are capped at
 * DOCUMENT_MAX_UPLOAD_BYTES (10 MiB in the demo), well within a bytea.
 */
export class PostgresDocumentStore extends DocumentStore {
  constructor(private readonly db: PostgresDatabase) {
    super();
  }

  async write(name: string, bytes: Buffer): Promise<string> {
    await this.db.run('INSERT INTO document_blobs (name, bytes) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET bytes = excluded.bytes', [name, bytes]);
    return `${PG_PREFIX}${name}`;
  }

  async read(path: string): Promise<Buffer> {
    const row = await this.db.get<{ bytes: Buffer }>('SELECT bytes FROM document_blobs WHERE name = ?', [path.slice(PG_PREFIX.length)]);
    if (!row) throw new Error(`document bytes ${path} are missing from document_blobs`);
    return row.bytes;
  }

  async remove(path: string): Promise<void> {
    await this.db.run('DELETE FROM document_blobs WHERE name = ?', [path.slice(PG_PREFIX.length)]);
  }
}
