import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@mesh/harness';

/**
 * A mesh.config.ts a test can rewrite. It lives inside the repository so that its
 * `import { defineMesh } from '@mesh/xds-server'` resolves as in a user's project.
 */
export class MeshConfigFile {
  readonly path: string;

  constructor(suite: string) {
    const base = join(repoRoot(), '.run', 'test-configs');
    mkdirSync(base, { recursive: true });
    this.path = join(mkdtempSync(join(base, `${suite}-`)), 'mesh.config.ts');
  }

  /** Writes the whole file the way editors save: a temp file renamed over the original. */
  write(source: string): void {
    const temp = `${this.path}.tmp`;
    writeFileSync(temp, source);
    renameSync(temp, this.path);
  }
}
