import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Uploaded bytes, one file per document, written atomically (temp file, fsync, rename). */
export class DocumentStore {
  constructor(private readonly dir: string) {}

  write(name: string, bytes: Buffer): string {
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

  read(path: string): Buffer {
    return readFileSync(path);
  }

  remove(path: string): void {
    rmSync(path, { force: true });
  }
}
