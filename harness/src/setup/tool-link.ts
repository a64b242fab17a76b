import { mkdirSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, relative } from 'node:path';

/** Points `link` at `target`, replacing any previous link in one rename. */
export function linkTool(target: string, link: string): void {
  mkdirSync(dirname(link), { recursive: true });
  const tmp = `${link}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(target.startsWith(dirname(link)) ? relative(dirname(link), target) : target, tmp);
  renameSync(tmp, link);
}
