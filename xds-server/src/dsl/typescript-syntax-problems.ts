/** The TypeScript compiler's syntax errors in one file, for a file that esbuild refused. */
import ts from 'typescript';
import type { SyntaxProblem } from './transpile-config-source';

const COMPILER_OPTIONS: ts.CompilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  esModuleInterop: true,
  jsx: ts.JsxEmit.React,
};

export function typescriptSyntaxProblems(source: string, file: string): SyntaxProblem[] {
  const output = ts.transpileModule(source, { fileName: file, reportDiagnostics: true, compilerOptions: COMPILER_OPTIONS });
  return (output.diagnostics ?? [])
    .filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
    .map((diagnostic) => {
      const message = `${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')} (TS${diagnostic.code})`;
      if (diagnostic.file === undefined || diagnostic.start === undefined) return { file, message };
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return { file, message, line: line + 1, column: character + 1 };
    });
}
