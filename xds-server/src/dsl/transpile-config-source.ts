/**
 * Turns one config source file into CommonJS for the fresh module loader, with esbuild's
 * `transform`: a file at a time (the loader resolves and loads local imports itself), no
 * type check, and a source map so a throw can be reported at its line in the source.
 */
import { transformSync, type Loader, type Message, type TransformFailure } from 'esbuild';
import { extname } from 'node:path';
import { typescriptSyntaxProblems } from './typescript-syntax-problems';

export interface TranspiledSource {
  /** CommonJS, run with `exports, require, module, __filename, __dirname` in scope. */
  code: string;
  /** Source map v3 JSON from `code` to the source. */
  sourceMap: string;
}

/** `source` is the text of `file` (absolute); throws `ConfigSyntaxError` when it does not parse. */
export type Transpile = (source: string, file: string) => TranspiledSource;

export interface SyntaxProblem {
  /** Absolute. */
  file: string;
  message: string;
  /** 1-based, when known. */
  line?: number;
  column?: number;
}

/** The file has syntax errors; nothing was run. */
export class ConfigSyntaxError extends Error {
  constructor(readonly problems: readonly SyntaxProblem[]) {
    super(problems.map((problem) => problem.message).join('\n'));
  }
}

const LOADERS: Record<string, Loader> = { '.tsx': 'tsx', '.jsx': 'jsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js' };

export const transpileConfigSource: Transpile = (source, file) => {
  try {
    const output = transformSync(source, {
      loader: LOADERS[extname(file)] ?? 'ts',
      format: 'cjs',
      target: 'es2022',
      sourcefile: file,
      sourcemap: 'external',
      sourcesContent: false,
      jsx: 'transform',
    });
    return { code: output.code, sourceMap: output.map };
  } catch (error) {
    if (!isTransformFailure(error)) throw error;
    // Syntax errors are reported in the TypeScript compiler's words and codes, the same
    // as `mesh validate`'s check, so one mistake reads (and dedupes) the same in both.
    const problems = typescriptSyntaxProblems(source, file);
    throw new ConfigSyntaxError(problems.length > 0 ? problems : error.errors.map((message) => esbuildProblem(message, file)));
  }
};

/** By shape, not `instanceof`: esbuild's errors may come from another realm (a test's vm context). */
function isTransformFailure(error: unknown): error is TransformFailure {
  return typeof error === 'object' && error !== null && 'errors' in error && Array.isArray(error.errors);
}

/** What only esbuild rejects (top-level await in CommonJS, say), at its position. */
function esbuildProblem(message: Message, file: string): SyntaxProblem {
  const location = message.location;
  if (location === null) return { file, message: message.text };
  // esbuild counts columns in UTF-8 bytes; editors and TypeScript count UTF-16 units.
  const column = Buffer.from(location.lineText).subarray(0, location.column).toString('utf8').length + 1;
  return { file, message: message.text, line: location.line, column };
}
