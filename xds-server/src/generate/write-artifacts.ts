import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { GeneratedFile } from './generated-file';

/** Writes the files under `outDir`, creating directories; returns the paths written. */
export function writeArtifacts(files: readonly GeneratedFile[], outDir: string): string[] {
  return files.map((file) => {
    const relative = normalize(file.path);
    if (isAbsolute(relative) || relative.startsWith(`..${sep}`)) throw new Error(`refusing to write ${file.path} outside ${outDir}`);
    const target = join(outDir, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
    return target;
  });
}
