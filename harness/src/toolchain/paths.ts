import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { CheckerName, PostgresBinaryName, ToolName } from './pins';

/** The repository root: the nearest ancestor of this file that holds toolchain.json. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'toolchain.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`toolchain.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
}

/** `.tools/` inside the clone: the venv, links to every binary, setup logs. */
export function toolsDir(root: string = repoRoot()): string {
  return join(root, '.tools');
}

export function toolBin(name: ToolName | CheckerName | PostgresBinaryName, root: string = repoRoot()): string {
  return join(toolsDir(root), 'bin', name);
}

/**
 * Built binaries and the Go module cache live outside the clone, keyed by version,
 * so a fresh clone on the same machine reuses them. MESH_TOOLS_CACHE overrides it.
 */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESH_TOOLS_CACHE) return resolve(env.MESH_TOOLS_CACHE);
  const base = env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), '.cache');
  return join(base, 'consul-envoy-mesh');
}
