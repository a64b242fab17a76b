import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, relative, sep } from 'node:path';

/**
 * Points `link` (in `.tools/bin`) at `target`, replacing any previous link in one rename.
 * Targets inside `.tools` are linked relatively, so the links survive moving the clone.
 */
export function linkTool(target: string, link: string): void {
  const binDir = dirname(link);
  mkdirSync(binDir, { recursive: true });
  const inToolsDir = target.startsWith(dirname(binDir) + sep);
  const tmp = `${link}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(inToolsDir ? relative(binDir, target) : target, tmp);
  renameSync(tmp, link);
}
