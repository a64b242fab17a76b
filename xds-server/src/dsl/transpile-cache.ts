/**
 * Transpiled config files by content: a reload runs every file fresh, but a file whose
 * text has not changed since an earlier load (a helper next to the config, or a save
 * without changes) reuses that load's output instead of being transpiled again.
 */
import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { transpileConfigSource, type Transpile, type TranspiledSource } from './transpile-config-source';

const DEFAULT_CAPACITY = 128;

export class TranspileCache {
  private readonly entries = new Map<string, TranspiledSource>();

  constructor(
    private readonly transpileUncached: Transpile = transpileConfigSource,
    private readonly capacity = DEFAULT_CAPACITY,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Failures are not kept: the next load reports them afresh, at the file they are in. */
  readonly transpile: Transpile = (source, file) => {
    // The extension is part of the key: the same text can mean different things as .ts and .tsx.
    const key = createHash('sha256').update(extname(file)).update('\0').update(source).digest('hex');
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const output = this.transpileUncached(source, file);
    this.entries.set(key, output);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return output;
  };
}

/** Shared by every load in the process, so successive reloads find each other's output. */
export const sharedTranspileCache = new TranspileCache();
