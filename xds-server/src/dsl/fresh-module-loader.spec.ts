import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FreshModuleLoader } from './fresh-module-loader';
import { TranspileCache } from './transpile-cache';
import { transpileConfigSource } from './transpile-config-source';

describe('FreshModuleLoader', () => {
  let dir: string;
  let transpiled: string[];
  let cache: TranspileCache;
  const path = (name: string) => join(dir, name);
  const write = (name: string, text: string) => writeFile(path(name), text);
  const load = (loader = new FreshModuleLoader(cache.transpile)) => loader.load(path('mesh.config.ts'));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fresh-module-loader-'));
    transpiled = [];
    cache = new TranspileCache((source, file) => {
      transpiled.push(file);
      return transpileConfigSource(source, file);
    });
    await write('ports.ts', 'export const adminPort = 19001;\n');
    await write('mesh.config.ts', `import { adminPort } from './ports';\nexport default { port: 3001, adminPort };\n`);
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs every file again on each load, but transpiles only what changed', async () => {
    expect(load()).toMatchObject({ default: { port: 3001, adminPort: 19001 } });
    expect(transpiled).toEqual([path('mesh.config.ts'), path('ports.ts')]);

    expect(load()).toMatchObject({ default: { port: 3001, adminPort: 19001 } });
    expect(transpiled).toHaveLength(2);

    await write('ports.ts', 'export const adminPort = 19005;\n');
    expect(load()).toMatchObject({ default: { port: 3001, adminPort: 19005 } });
    expect(transpiled.slice(2)).toEqual([path('ports.ts')]);

    await write('mesh.config.ts', `import { adminPort } from './ports';\nexport default { port: 3002, adminPort };\n`);
    expect(load()).toMatchObject({ default: { port: 3002, adminPort: 19005 } });
    expect(transpiled.slice(3)).toEqual([path('mesh.config.ts')]);
  });

  it('maps a throw from cached output to the source line', async () => {
    await write('ports.ts', `export function port(): number {\n  throw new Error('no port');\n}\n`);
    await write('mesh.config.ts', `import { port } from './ports';\n\nexport default { port: port() };\n`);
    thrownBy(() => load());
    const loader = new FreshModuleLoader(cache.transpile);
    const error = thrownBy(() => load(loader));
    expect(transpiled).toHaveLength(2);
    expect(loader.throwSite(error)).toEqual({ file: path('ports.ts'), line: 2, column: 9 });
  });

  it('places a missing import at the start of the statement that imports it', async () => {
    await write('mesh.config.ts', `const extra = 1;\n  import { gone } from './missing';\nexport default { gone, extra };\n`);
    const loader = new FreshModuleLoader(cache.transpile);
    const error = thrownBy(() => load(loader));
    expect(error).toMatchObject({ message: 'cannot find module "./missing": no such file' });
    expect(loader.throwSite(error)).toEqual({ file: path('mesh.config.ts'), line: 2, column: 3 });
  });
});

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}
