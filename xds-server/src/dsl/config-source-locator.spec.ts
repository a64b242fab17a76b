import { ConfigSourceLocator } from './config-source-locator';

const CONFIG = `import { defineMesh } from '@mesh/xds-server';

const shared = { port: 21001, adminPort: 19001 };

export default defineMesh({
  name: 'demo',
  nodes: { local: { address: '127.0.0.1', arch: 'amd64' } },
  services: {
    'auth': {
      nodes: ['local'],
      sidecar: shared,
      upstreams: ['user', { service: 'approval' }],
      ...{ port: 3001 },
    },
  },
});
`;

const at = (source: string, needle: string, nth = 0) => {
  let index = -1;
  for (let i = 0; i <= nth; i++) index = source.indexOf(needle, index + 1);
  const before = source.slice(0, index).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
};

describe('ConfigSourceLocator', () => {
  const locator = new ConfigSourceLocator('/x/mesh.config.ts', CONFIG);

  it('finds properties and array elements by path', () => {
    expect(locator.locate(['name'])).toEqual(at(CONFIG, 'name:'));
    expect(locator.locate(['services', 'auth'])).toEqual(at(CONFIG, "'auth'"));
    expect(locator.locate(['services', 'auth', 'upstreams', 1])).toEqual(at(CONFIG, '{ service'));
    expect(locator.locate(['services', 'auth', 'upstreams', 1, 'service'])).toEqual(at(CONFIG, 'service:'));
    expect(locator.locate(['nodes', 'local', 'arch'])).toEqual(at(CONFIG, 'arch'));
  });

  it('follows constants and spreads', () => {
    expect(locator.locate(['services', 'auth', 'sidecar', 'adminPort'])).toEqual(at(CONFIG, 'adminPort'));
    expect(locator.locate(['services', 'auth', 'port'])).toEqual(at(CONFIG, 'port: 3001'));
  });

  it('falls back to the nearest ancestor it can find', () => {
    expect(locator.locate(['services', 'auth', 'command'])).toEqual(at(CONFIG, "'auth'"));
    expect(locator.locate(['services', 'auth', 'upstreams', 7])).toEqual(at(CONFIG, 'upstreams'));
    expect(locator.locate([])).toEqual(at(CONFIG, 'defineMesh({'));
  });

  it('maps a source position back to the path', () => {
    expect(locator.pathAt(CONFIG.indexOf("'user'"))).toEqual(['services', 'auth', 'upstreams', 0]);
    expect(locator.pathAt(CONFIG.indexOf("'amd64'"))).toEqual(['nodes', 'local', 'arch']);
    expect(locator.pathAt(CONFIG.indexOf('import'))).toBeUndefined();
  });

  it.each([
    ['a constant exported as default', `const mesh = defineMesh({\n  name: 'demo',\n});\nexport default mesh;\n`],
    ['a literal with satisfies', `export default ({\n  name: 'demo',\n}) satisfies object;\n`],
    ['export =', `export = defineMesh({\n  name: 'demo',\n});\n`],
    ['a named export as default', `const mesh = {\n  name: 'demo',\n};\nexport { mesh as default };\n`],
  ])('finds the root in %s', (_name, source) => {
    expect(new ConfigSourceLocator('/x/mesh.config.ts', source).locate(['name'])).toEqual({ line: 2, column: 3 });
  });

  it('finds nothing without a default export', () => {
    expect(new ConfigSourceLocator('/x/mesh.config.ts', `export const mesh = { name: 'demo' };`).locate(['name'])).toBeUndefined();
  });
});
