/**
 * A strict TypeScript check of a config file and what it imports, as `mesh validate` runs
 * it: this is where the DSL's types catch misspelt names, fields and enum values. Module
 * resolution is lenient (bundler style, extensionless relative imports), like the loader.
 */
import { dirname } from 'node:path';
import ts from 'typescript';

const OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  // No DOM: a config runs in Node, and the DOM declarations triple the check time.
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.Preserve,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  esModuleInterop: true,
  skipLibCheck: true,
  forceConsistentCasingInFileNames: true,
};

export interface TypeCheckResult {
  syntaxErrors: ts.Diagnostic[];
  /** Empty when there are syntax errors: the semantic ones would be noise. */
  typeErrors: ts.Diagnostic[];
}

export function typeCheckConfig(file: string): TypeCheckResult {
  const directory = dirname(file);
  const host = ts.createCompilerHost(OPTIONS, true);
  host.getCurrentDirectory = () => directory;
  // Node's globals (process.env) when @types/node is installed; not every @types package in reach.
  const nodeTypes = ts.resolveTypeReferenceDirective('node', file, OPTIONS, host).resolvedTypeReferenceDirective;
  const options = { ...OPTIONS, types: nodeTypes === undefined ? [] : ['node'] };
  const program = ts.createProgram({ rootNames: [file], options, host });
  const errors = (diagnostics: readonly ts.Diagnostic[]) =>
    diagnostics.filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error);
  const syntaxErrors = errors(program.getSyntacticDiagnostics());
  if (syntaxErrors.length > 0) return { syntaxErrors, typeErrors: [] };
  return {
    syntaxErrors,
    typeErrors: errors([...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...program.getSemanticDiagnostics()]),
  };
}
