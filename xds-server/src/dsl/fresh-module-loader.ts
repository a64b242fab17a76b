/**
 * Runs a TypeScript config file as a new CommonJS module on every load. The control plane
 * reloads mesh.config.ts on each edit, so neither the file nor the local files it imports
 * may come from Node's module cache; packages (`@mesh/xds-server`, anything under
 * node_modules) load through Node as usual. Each file is transpiled on its own (no type
 * check: that is `typeCheckConfig`'s job) with a source map, so a throw can be reported at
 * its line in the TypeScript source; the transpiled output of unchanged text is reused.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire, SourceMap } from 'node:module';
import { dirname, extname, resolve, sep } from 'node:path';
import vm from 'node:vm';
import { sharedTranspileCache } from './transpile-cache';
import type { Transpile, TranspiledSource } from './transpile-config-source';

/** Extensions loaded fresh, in resolution order; anything else goes to Node. */
const SOURCE_EXTENSIONS = ['.ts', '.mts', '.cts', '.tsx', '.js', '.mjs', '.cjs', '.json'];
/** An import written for Node's ESM resolution (`./shared.js`) names the TypeScript file `./shared.ts`. */
const EMITTED_TO_SOURCE: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };

/** A relative import names no file. */
export class ConfigImportError extends Error {
  constructor(readonly specifier: string) {
    super(`cannot find module ${JSON.stringify(specifier)}: no such file`);
  }
}

export interface ThrowSite {
  file: string;
  /** 1-based, in the TypeScript source. */
  line: number;
  column: number;
}

interface LoadedModule {
  exports: unknown;
}

/** A loaded file's output, with its source map parsed only once a throw needs it. */
interface RunFile extends TranspiledSource {
  parsedMap?: SourceMap;
}

export class FreshModuleLoader {
  private readonly modules = new Map<string, LoadedModule>();
  private readonly runFiles = new Map<string, RunFile>();

  constructor(private readonly transpile: Transpile = sharedTranspileCache.transpile) {}

  /** `module.exports` of `file` (absolute), with `source` as its content when already read. */
  load(file: string, source?: string): unknown {
    return this.loadModule(file, source).exports;
  }

  /**
   * Where in a loaded file an error was thrown: the innermost stack frame in one of them,
   * mapped to its source. A missing import is placed at the start of the statement that
   * imports it rather than at the `require` call the import became.
   */
  throwSite(error: unknown): ThrowSite | undefined {
    const stack = typeof error === 'object' && error !== null && 'stack' in error ? String(error.stack) : '';
    for (const frame of stack.split('\n').slice(1)) {
      for (const [file, runFile] of this.runFiles) {
        const at = frame.lastIndexOf(`${file}:`);
        if (at === -1) continue;
        const match = /^:(\d+):(\d+)/.exec(frame.slice(at + file.length));
        if (match === null) continue;
        const line = Number(match[1]);
        const column = error instanceof ConfigImportError ? statementColumn(runFile.code, line) : Number(match[2]);
        runFile.parsedMap ??= new SourceMap(JSON.parse(runFile.sourceMap));
        const entry = runFile.parsedMap.findEntry(line - 1, column - 1);
        if (!('originalLine' in entry)) return { file, line, column };
        return { file, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
      }
    }
    return undefined;
  }

  private loadModule(file: string, source = readFileSync(file, 'utf8')): LoadedModule {
    const loaded = this.modules.get(file);
    if (loaded !== undefined) return loaded;
    const module: LoadedModule = { exports: {} };
    this.modules.set(file, module);
    if (extname(file) === '.json') {
      module.exports = JSON.parse(source);
      return module;
    }

    const output = this.transpile(source, file);
    this.runFiles.set(file, { ...output });

    const nodeRequire = createRequire(file);
    const require = Object.assign(
      (specifier: string): unknown => {
        if (!isPathSpecifier(specifier)) return nodeRequire(specifier);
        const local = resolveLocal(specifier, file);
        if (local === undefined) throw new ConfigImportError(specifier);
        return local === 'node_modules' ? nodeRequire(specifier) : this.loadModule(local).exports;
      },
      { resolve: nodeRequire.resolve, cache: nodeRequire.cache, main: nodeRequire.main, extensions: nodeRequire.extensions },
    );
    const run = vm.compileFunction(output.code, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
    run.call(module.exports, module.exports, require, module, file, dirname(file));
    return module;
  }
}

/** 1-based column of the first non-blank character on a 1-based line of `code`. */
function statementColumn(code: string, line: number): number {
  const text = code.split('\n')[line - 1] ?? '';
  return text.length - text.trimStart().length + 1;
}

function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith('.') || specifier.startsWith('/');
}

/** A relative or absolute import, resolved the way the type check does; files inside node_modules are left to Node. */
function resolveLocal(specifier: string, from: string): string | 'node_modules' | undefined {
  const base = resolve(dirname(from), specifier);
  const extension = extname(base);
  const candidates = [
    ...(SOURCE_EXTENSIONS.includes(extension) ? [base] : []),
    ...(EMITTED_TO_SOURCE[extension] ?? []).map((source) => base.slice(0, -extension.length) + source),
    ...SOURCE_EXTENSIONS.map((ext) => base + ext),
    ...SOURCE_EXTENSIONS.map((ext) => resolve(base, `index${ext}`)),
  ];
  const found = candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
  if (found === undefined) return undefined;
  return found.split(sep).includes('node_modules') ? 'node_modules' : found;
}
