import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory for one suite's component logs; kept after the run for inspection. */
export function suiteRunDir(suite: string): string {
  return mkdtempSync(join(tmpdir(), `mesh-${suite}-`));
}
