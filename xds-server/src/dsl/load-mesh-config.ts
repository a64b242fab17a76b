/**
 * Loads mesh.config.ts: runs it fresh (never from a module cache, since the control plane
 * reloads it on every edit), validates its default export, and converts it to the model
 * translation consumes. Every problem found — syntax, a throw, schema, references, and
 * with `typeCheck` the TypeScript diagnostics — comes back at once in one MeshConfigError,
 * each with its file:line where it can be found.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import ts from 'typescript';
import type { MeshConfigModel } from '../translate/policy-model';
import { ConfigSourceLocator } from './config-source-locator';
import { displayPath } from './display-path';
import { ConfigImportError, FreshModuleLoader } from './fresh-module-loader';
import { formatIssuePath, describeValue } from './issue-path';
import { MeshConfigError, formatMeshConfigIssue, type MeshConfigIssue } from './mesh-config-error';
import { toMeshConfigModel } from './mesh-config-model';
import type { MeshDefinition } from './mesh-definition';
import { isObject } from './mesh-schema';
import { ConfigSyntaxError, type SyntaxProblem } from './transpile-config-source';
import { typeCheckConfig } from './type-check-config';
import { validateMeshDefinition } from './validate-mesh';

export { MeshConfigError, type MeshConfigIssue } from './mesh-config-error';

export interface LoadedMeshConfig {
  /** Absolute path of the config file. */
  file: string;
  definition: MeshDefinition;
  model: MeshConfigModel;
  /** The model's version: a content hash of the definition. */
  version: string;
}

export interface LoadMeshConfigOptions {
  /** Also type-check the file with TypeScript (strict); slower, so the hot reload leaves it off. */
  typeCheck?: boolean;
}

/** A TypeScript diagnostic as an issue; a type error inside the exported literal also gets its DSL path. */
function diagnosticIssue(
  diagnostic: ts.Diagnostic,
  kind: 'syntax' | 'type',
  config: { file: string; locator: ConfigSourceLocator },
): MeshConfigIssue {
  const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  const message = `${kind === 'syntax' ? 'syntax error: ' : ''}${text} (TS${diagnostic.code})`;
  const file = diagnostic.file === undefined ? config.file : resolve(diagnostic.file.fileName);
  if (diagnostic.file === undefined || diagnostic.start === undefined) return { path: '', message, file: displayPath(file) };
  const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const path = kind === 'type' && file === config.file ? config.locator.pathAt(diagnostic.start) : undefined;
  return { path: path === undefined ? '' : formatIssuePath(path), message, file: displayPath(file), line: line + 1, column: character + 1 };
}

function syntaxIssue(problem: SyntaxProblem): MeshConfigIssue {
  const { file, message, ...position } = problem;
  return { path: '', message: `syntax error: ${message}`, file: displayPath(file), ...position };
}

/** The module's default export; `export = value` (a CommonJS module) counts as one. */
async function defaultExport(exports: unknown): Promise<unknown> {
  const value = isObject(exports) && 'default' in exports ? exports.default : exports;
  const isEsModule = isObject(exports) && exports.__esModule === true;
  if (value === undefined || (isEsModule && !('default' in exports))) {
    throw new NoDefaultExportError();
  }
  return typeof value === 'object' && value !== null && 'then' in value && typeof value.then === 'function' ? await value : value;
}

class NoDefaultExportError extends Error {
  constructor() {
    super('the file has no default export: write `export default defineMesh({ ... })`');
  }
}

function thrownMessage(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const name = 'name' in error && typeof error.name === 'string' ? error.name : 'Error';
    return `${name}: ${String(error.message).split('\n')[0]}`;
  }
  return describeValue(error);
}

function sortIssues(issues: MeshConfigIssue[]): MeshConfigIssue[] {
  const unique = new Map(issues.map((issue) => [formatMeshConfigIssue(issue), issue]));
  return [...unique.values()]
    .map((issue, index) => ({ issue, index }))
    .sort(
      (a, b) =>
        (a.issue.file === b.issue.file ? 0 : a.issue.file < b.issue.file ? -1 : 1) ||
        (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) ||
        (a.issue.column ?? 0) - (b.issue.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ issue }) => issue);
}

export async function loadMeshConfig(file: string, options: LoadMeshConfigOptions = {}): Promise<LoadedMeshConfig> {
  const absolute = resolve(file);
  const shown = displayPath(absolute);
  const fail = (issues: MeshConfigIssue[]): never => {
    throw new MeshConfigError(absolute, sortIssues(issues));
  };

  let source: string;
  try {
    source = await readFile(absolute, 'utf8');
  } catch (error) {
    const reason = isObject(error) && error.code === 'ENOENT' ? 'the file does not exist' : thrownMessage(error);
    return fail([{ path: '', file: shown, message: `cannot read the config: ${reason}` }]);
  }
  // Parsed only when an issue needs placing: a good reload never does.
  let locator: ConfigSourceLocator | undefined;
  const config = {
    file: absolute,
    get locator(): ConfigSourceLocator {
      return (locator ??= new ConfigSourceLocator(absolute, source));
    },
  };
  const issues: MeshConfigIssue[] = [];

  if (options.typeCheck === true) {
    const checked = typeCheckConfig(absolute);
    issues.push(...checked.syntaxErrors.map((diagnostic) => diagnosticIssue(diagnostic, 'syntax', config)));
    issues.push(...checked.typeErrors.map((diagnostic) => diagnosticIssue(diagnostic, 'type', config)));
  }

  const loader = new FreshModuleLoader();
  let value: unknown;
  try {
    value = await defaultExport(loader.load(absolute, source));
  } catch (error) {
    if (error instanceof ConfigSyntaxError) {
      issues.push(...error.problems.map(syntaxIssue));
    } else if (error instanceof NoDefaultExportError) {
      issues.push({ path: '', file: shown, message: error.message });
    } else {
      const site = loader.throwSite(error);
      issues.push({
        path: '',
        message: error instanceof ConfigImportError ? error.message : `the config threw ${thrownMessage(error)}`,
        ...(site === undefined ? { file: shown } : { file: displayPath(site.file), line: site.line, column: site.column }),
      });
    }
    return fail(issues);
  }

  const result = validateMeshDefinition(value);
  if (!result.ok) {
    for (const issue of result.issues) {
      issues.push({ path: issue.path, message: issue.message, file: shown, ...config.locator.locate(issue.segments) });
    }
    return fail(issues);
  }
  if (issues.length > 0) return fail(issues);

  const model = toMeshConfigModel(result.definition);
  return { file: absolute, definition: result.definition, model, version: model.version };
}
