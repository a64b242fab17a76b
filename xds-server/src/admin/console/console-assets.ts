import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export class ConsoleNotBuiltError extends Error {
  override readonly name = 'ConsoleNotBuiltError';
  constructor(dir: string) {
    super(`the console is not built (${dir} has no index.html): run \`npm run setup\`, which builds it`);
  }
}

const TYPES: Record<string, string> = { 'index.html': 'text/html; charset=utf-8', 'app.js': 'text/javascript; charset=utf-8', 'app.css': 'text/css; charset=utf-8' };

/** The console's built files (console/dist), served as they are: a fixed set of names, never a path from the request. */
export class ConsoleAssets {
  private readonly dir = join(dirname(require.resolve('@mesh/console/package.json')), 'dist');
  private readonly cache = new Map<string, Buffer>();

  file(name: keyof typeof TYPES | string): { body: Buffer; type: string } | undefined {
    const type = TYPES[name];
    if (!type) return undefined;
    let body = this.cache.get(name);
    if (!body) {
      const path = join(this.dir, name);
      if (!existsSync(path)) throw new ConsoleNotBuiltError(this.dir);
      body = readFileSync(path);
      this.cache.set(name, body);
    }
    return { body, type };
  }
}
