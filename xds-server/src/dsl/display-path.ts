import { isAbsolute, relative } from 'node:path';

/**
 * A file as messages show it: relative to the working directory when it lies inside it (as
 * `mesh validate` prints it), else absolute. A control plane started from another directory
 * must not print `../../mesh.config.ts`, which points nowhere for the reader.
 */
export function displayPath(file: string, cwd = process.cwd()): string {
  const shown = relative(cwd, file);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? file : shown;
}
