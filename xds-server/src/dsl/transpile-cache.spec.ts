import { TranspileCache } from './transpile-cache';
import { ConfigSyntaxError, transpileConfigSource, type Transpile } from './transpile-config-source';

function counting(): { transpile: Transpile; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    transpile: (source, file) => {
      calls.push(file);
      return transpileConfigSource(source, file);
    },
  };
}

describe('TranspileCache', () => {
  it('transpiles unchanged text once, whichever file it is in', () => {
    const counter = counting();
    const cache = new TranspileCache(counter.transpile);
    const first = cache.transpile('export const port = 3001;\n', '/a/ports.ts');
    expect(cache.transpile('export const port = 3001;\n', '/a/ports.ts')).toBe(first);
    expect(cache.transpile('export const port = 3001;\n', '/b/other.ts')).toBe(first);
    expect(counter.calls).toEqual(['/a/ports.ts']);
  });

  it('transpiles changed text again', () => {
    const counter = counting();
    const cache = new TranspileCache(counter.transpile);
    cache.transpile('export const port = 3001;\n', '/a/ports.ts');
    const changed = cache.transpile('export const port = 3002;\n', '/a/ports.ts');
    expect(changed.code).toContain('3002');
    expect(counter.calls).toEqual(['/a/ports.ts', '/a/ports.ts']);
  });

  it('keys on the extension too', () => {
    const counter = counting();
    const cache = new TranspileCache(counter.transpile);
    cache.transpile('export const id = <T,>(value: T) => value;\n', '/a/id.ts');
    cache.transpile('export const id = <T,>(value: T) => value;\n', '/a/id.tsx');
    expect(counter.calls).toEqual(['/a/id.ts', '/a/id.tsx']);
  });

  it('does not keep failures', () => {
    const counter = counting();
    const cache = new TranspileCache(counter.transpile);
    expect(() => cache.transpile('export const port = ;\n', '/a/ports.ts')).toThrow(ConfigSyntaxError);
    expect(() => cache.transpile('export const port = ;\n', '/a/ports.ts')).toThrow(ConfigSyntaxError);
    expect(counter.calls).toHaveLength(2);
    expect(cache.size).toBe(0);
  });

  it('drops the least recently used entry beyond its capacity', () => {
    const counter = counting();
    const cache = new TranspileCache(counter.transpile, 2);
    cache.transpile('export const a = 1;\n', '/a.ts');
    cache.transpile('export const b = 1;\n', '/b.ts');
    cache.transpile('export const a = 1;\n', '/a.ts');
    cache.transpile('export const c = 1;\n', '/c.ts');
    expect(cache.size).toBe(2);
    cache.transpile('export const a = 1;\n', '/a.ts');
    cache.transpile('export const b = 1;\n', '/b.ts');
    expect(counter.calls).toEqual(['/a.ts', '/b.ts', '/c.ts', '/b.ts']);
  });
});

describe('transpileConfigSource', () => {
  it('reports a syntax error in the TypeScript compiler’s words', () => {
    expect(() => transpileConfigSource('export const port = ;\n', '/a/ports.ts')).toThrow(
      expect.objectContaining({ problems: [{ file: '/a/ports.ts', message: 'Expression expected. (TS1109)', line: 1, column: 21 }] }),
    );
  });

  it('reports what only esbuild rejects at its position, in UTF-16 columns', () => {
    expect(() => transpileConfigSource(`const label = 'ü';\nexport default { x: await Promise.resolve(label) };\n`, '/a/m.ts')).toThrow(
      expect.objectContaining({
        problems: [{ file: '/a/m.ts', message: 'Top-level await is currently not supported with the "cjs" output format', line: 2, column: 21 }],
      }),
    );
    expect(() => transpileConfigSource(`export default { 'ü': await 1 };\n`, '/a/m.ts')).toThrow(
      expect.objectContaining({ problems: [expect.objectContaining({ line: 1, column: 23 })] }),
    );
  });
});
