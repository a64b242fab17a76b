import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { displayPath } from './display-path';
import { loadMeshConfig, MeshConfigError, type LoadedMeshConfig } from './load-mesh-config';
import { meshDefinitionVersion } from './mesh-config-model';

// The fixtures import '@mesh/xds-server' like a user's file, which resolves to the built
// dist/: `npm run setup` (or `npx tsc -b`) builds it before the unit tests run.
const fixture = (name: string) => resolve(__dirname, 'fixtures', `${name}.config.ts`);
const shown = displayPath;

async function failure(file: string, options?: { typeCheck?: boolean }): Promise<MeshConfigError> {
  let loaded: LoadedMeshConfig;
  try {
    loaded = await loadMeshConfig(file, options);
  } catch (error) {
    if (error instanceof MeshConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${file} to fail, got version ${loaded.version}`);
}

async function messageOf(file: string, options?: { typeCheck?: boolean }): Promise<string> {
  return (await failure(file, options)).message;
}

describe('loadMeshConfig', () => {
  it('loads a valid config, with its local imports, into the model', async () => {
    const loaded = await loadMeshConfig(fixture('valid'));
    expect(loaded.file).toBe(fixture('valid'));
    expect(loaded.definition.services.auth?.sidecar).toEqual({ port: 21001, adminPort: 19001 });
    expect(loaded.version).toBe(meshDefinitionVersion(loaded.definition));
    expect(loaded.model.version).toBe(loaded.version);
    expect([...loaded.model.policies.keys()]).toEqual(['approval', 'auth', 'user']);
    expect(loaded.model.policies.get('approval')?.routes.map((route) => route.split)).toEqual([
      [{ subset: 'v2', weight: 1 }],
      [
        { subset: 'v1', weight: 90 },
        { subset: 'v2', weight: 10 },
      ],
    ]);
    expect(loaded.model.upstreams.get('user')).toEqual([
      { service: 'approval', localBindPort: 9103 },
      { service: 'auth', localBindPort: undefined },
    ]);
    expect(loaded.model.gateway).toEqual({ name: 'gateway', port: 8080, routes: [{ prefix: '/auth/', service: 'auth', rewritePrefix: undefined, methods: [] }] });
  });

  it('passes the type check when the config is well typed', async () => {
    await expect(loadMeshConfig(fixture('valid'), { typeCheck: true })).resolves.toMatchObject({ file: fixture('valid') });
  }, 30_000);

  it('reports an unknown service at its file:line with a suggestion', async () => {
    const error = await failure(fixture('unknown-service'));
    expect(error.message).toBe(
      `${shown(fixture('unknown-service'))}:15:9 services.user.upstreams[1]: unknown service "approvals" (did you mean "approval"?)`,
    );
    expect(error.name).toBe('MeshConfigError');
    expect(error.file).toBe(fixture('unknown-service'));
    expect(error.issues).toEqual([
      {
        path: 'services.user.upstreams[1]',
        message: 'unknown service "approvals" (did you mean "approval"?)',
        file: shown(fixture('unknown-service')),
        line: 15,
        column: 9,
      },
    ]);
  });

  it('reports a syntax error at its line, without running the file', async () => {
    expect(await messageOf(fixture('syntax-error'))).toBe(`${shown(fixture('syntax-error'))}:6:3 syntax error: ',' expected. (TS1005)`);
  });

  it('reports a throw while evaluating at the line that threw', async () => {
    expect(await messageOf(fixture('throws'))).toBe(`${shown(fixture('throws'))}:6:33 the config threw Error: no port for user`);
  });

  it('reports schema and reference errors together, in source order', async () => {
    const file = shown(fixture('several-errors'));
    expect((await messageOf(fixture('several-errors'))).split('\n')).toEqual([
      `${file}:14:30 services.auth.traffic.timeouts.request: invalid duration "2 seconds": write a number with a unit ms, s, m or h, e.g. "250ms", "2s", "5m", "1h" (whole milliseconds)`,
      `${file}:16:5 services.user: give a command (systemd and local runs) or an image (docker compose), or both`,
      `${file}:17:24 services.user.nodes[1]: unknown node "pi-1" (declared: "local")`,
      `${file}:19:31 services.user.sidecar.adminPort: port 19001 on node "local" is already used by services.auth.sidecar.adminPort`,
    ]);
  });

  it('adds the TypeScript diagnostics with typeCheck', async () => {
    const file = shown(fixture('typo'));
    expect(await messageOf(fixture('typo'))).toBe(`${file}:11:15 services.auth.nodes[0]: unknown node "locl" (did you mean "local"?)`);
    expect((await messageOf(fixture('typo'), { typeCheck: true })).split('\n')).toEqual([
      `${file}:11:15 services.auth.nodes[0]: Type '"locl"' is not assignable to type '"local" | "pi-1"'. Did you mean '"local"'? (TS2820)`,
      `${file}:11:15 services.auth.nodes[0]: unknown node "locl" (did you mean "local"?)`,
    ]);
  }, 30_000);

  it('reports a missing file', async () => {
    const missing = fixture('missing');
    expect(await messageOf(missing)).toBe(`${shown(missing)}: cannot read the config: the file does not exist`);
  });

  describe('in a project directory', () => {
    let dir: string;
    const write = (name: string, text: string) => writeFile(join(dir, name), text);
    const config = () => join(dir, 'mesh.config.ts');
    const mesh = (port: string) => `import { defineMesh } from '@mesh/xds-server';
import { adminPort } from './ports';

export default defineMesh({
  name: 'demo',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },
  services: {
    auth: { nodes: ['local'], command: 'auth', port: ${port}, sidecar: { port: 21001, adminPort } },
  },
});
`;

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mesh-config-'));
      await mkdir(join(dir, 'node_modules', '@mesh'), { recursive: true });
      await symlink(resolve(__dirname, '..', '..'), join(dir, 'node_modules', '@mesh', 'xds-server'), 'dir');
    });

    afterEach(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reloads the file and its local imports fresh on every load', async () => {
      await write('ports.ts', 'export const adminPort = 19001;\n');
      await write('mesh.config.ts', mesh('3001'));
      const first = await loadMeshConfig(config());
      expect(first.definition.services.auth?.port).toBe(3001);

      await write('ports.ts', 'export const adminPort = 19005;\n');
      await write('mesh.config.ts', mesh('3002'));
      const second = await loadMeshConfig(config());
      expect(second.definition.services.auth).toMatchObject({ port: 3002, sidecar: { adminPort: 19005 } });
      expect(second.version).not.toBe(first.version);

      await write('mesh.config.ts', mesh('99999'));
      expect(await messageOf(config())).toBe(`${shown(config())}:8:48 services.auth.port: expected a port number 1..65535, got 99999`);

      await write('mesh.config.ts', mesh('3001'));
      await write('ports.ts', 'export const adminPort = 19001;\n');
      expect((await loadMeshConfig(config())).version).toBe(first.version);
    });

    it('reports a syntax error in an imported file at its own line', async () => {
      await write('ports.ts', 'export const adminPort = ;\n');
      await write('mesh.config.ts', mesh('3001'));
      expect(await messageOf(config())).toBe(`${shown(join(dir, 'ports.ts'))}:1:26 syntax error: Expression expected. (TS1109)`);
    });

    it('reports a throw in an imported file at its line there', async () => {
      await write(
        'ports.ts',
        ["export const adminPort = lookup('auth');", 'function lookup(service: string): number {', '  throw new RangeError(`no admin port for ${service}`);', '}', ''].join('\n'),
      );
      await write('mesh.config.ts', mesh('3001'));
      expect(await messageOf(config())).toBe(`${shown(join(dir, 'ports.ts'))}:3:9 the config threw RangeError: no admin port for auth`);
    });

    it('reports top-level await, which a CommonJS module cannot run, at its position', async () => {
      await write('ports.ts', 'export const adminPort = 19001;\n');
      await write('mesh.config.ts', mesh('await Promise.resolve(3001)'));
      expect(await messageOf(config())).toBe(
        `${shown(config())}:8:54 syntax error: Top-level await is currently not supported with the "cjs" output format`,
      );
    });

    it('reports a missing import where it is imported', async () => {
      await write('mesh.config.ts', mesh('3001'));
      expect(await messageOf(config())).toBe(`${shown(config())}:2:1 cannot find module "./ports": no such file`);
    });

    it('asks for a default export', async () => {
      await write('mesh.config.ts', `export const mesh = { name: 'demo' };\n`);
      expect(await messageOf(config())).toBe(`${shown(config())}: the file has no default export: write \`export default defineMesh({ ... })\``);
    });

    it('accepts `export =` and an async default, and maps their errors', async () => {
      await write('mesh.config.ts', `export = {\n  name: 'Demo',\n  nodes: {},\n  services: {},\n};\n`);
      expect(await messageOf(config())).toBe(
        `${shown(config())}:2:3 name: invalid mesh name "Demo": use lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters`,
      );
      await write('mesh.config.ts', `export default Promise.resolve({ name: 'demo', nodes: {}, services: {} });\n`);
      expect((await loadMeshConfig(config())).model.policies.size).toBe(0);
    });
  });
});
