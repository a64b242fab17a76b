import { cp, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { GoModulePin } from '../toolchain/pins';
import { goBinaryKey, localPathReplaces, type GoModJson } from './go-mod';
import { runLogged } from './logged-command';

export interface GoBuildContext {
  cacheDir: string;
  logFile: string;
  /** Milestones of the step. */
  progress: (line: string) => void;
  /** Raw output of the commands the step runs. */
  output: (line: string) => void;
}

/** Path of the cached binary for a pin, whether or not it has been built yet. */
export function cachedGoBinary(name: string, pin: GoModulePin, cacheDir: string): string {
  const { goos, goarch } = goPlatform();
  return join(cacheDir, 'bin', goBinaryKey(name, pin.version, goos, goarch), name);
}

/**
 * Builds `pin.module@pin.version` from the Go module proxy. `go install` cannot do it
 * when the root go.mod has local-path replaces, so the module is downloaded, copied,
 * stripped of those replaces and built. The result is renamed into the cache only after
 * it has run, so an interrupted build leaves nothing that a later run would trust.
 */
export async function buildGoBinary(name: string, pin: GoModulePin, ctx: GoBuildContext): Promise<string> {
  const target = cachedGoBinary(name, pin, ctx.cacheDir);
  const finalDir = join(target, '..');
  const tmpRoot = join(ctx.cacheDir, 'tmp');
  await mkdir(tmpRoot, { recursive: true });
  const work = await mkdtemp(join(tmpRoot, `${name}-`));
  try {
    const env = goEnv(ctx.cacheDir, pin);
    const run = (args: string[], cwd?: string) =>
      runLogged('go', args, { cwd, env, logFile: ctx.logFile, onLine: ctx.output });

    ctx.progress(`downloading ${pin.module}@${pin.version}`);
    const downloaded = JSON.parse(await run(['mod', 'download', '-json', `${pin.module}@${pin.version}`], work)) as {
      Dir?: string;
      Error?: string;
    };
    if (!downloaded.Dir) throw new Error(downloaded.Error ?? `go mod download returned no directory for ${pin.module}`);

    const src = join(work, 'src');
    await cp(downloaded.Dir, src, { recursive: true });
    const mod = JSON.parse(await run(['mod', 'edit', '-json'], src)) as GoModJson;
    const drops = localPathReplaces(mod);
    if (drops.length) {
      ctx.progress(`dropping local replaces: ${drops.join(', ')}`);
      await run(['mod', 'edit', ...drops.map((d) => `-dropreplace=${d}`)], src);
    }

    const what = `compiling ${[pin.module, pin.package.replace(/^\.\/?/, '')].filter(Boolean).join('/')}`;
    ctx.progress(`${what} (a first build takes several minutes)`);
    const started = Date.now();
    const heartbeat = setInterval(() => ctx.progress(`${what}: ${Math.round((Date.now() - started) / 1000)}s so far`), 30_000);
    const out = join(work, 'out');
    const ldflags = ['-s', '-w', ...pin.ldflags].join(' ');
    try {
      await run(['build', '-mod=mod', '-trimpath', `-ldflags=${ldflags}`, '-o', join(out, name), pin.package], src);
    } finally {
      clearInterval(heartbeat);
    }
    await runLogged(join(out, name), pin.versionArgs, { logFile: ctx.logFile });

    await mkdir(join(finalDir, '..'), { recursive: true });
    await rm(finalDir, { recursive: true, force: true });
    await rename(out, finalDir);
    return target;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The platform the binary is built for: GOOS/GOARCH when set, else this machine. */
function goPlatform(): { goos: string; goarch: string } {
  const arches: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm' };
  return {
    goos: process.env.GOOS ?? process.platform,
    goarch: process.env.GOARCH ?? arches[process.arch] ?? process.arch,
  };
}

function goEnv(cacheDir: string, pin: GoModulePin): Record<string, string> {
  const { goos, goarch } = goPlatform();
  const noSumDb = [process.env.GONOSUMDB, ...pin.noSumDb].filter(Boolean).join(',');
  return {
    GOOS: goos,
    GOARCH: goarch,
    // Both Go caches live in the tools cache, so removing that one directory is a cold start.
    GOMODCACHE: join(cacheDir, 'gomod'),
    GOCACHE: join(cacheDir, 'gobuild'),
    GOFLAGS: '-modcacherw',
    GOTOOLCHAIN: 'local',
    CGO_ENABLED: '0',
    ...(noSumDb ? { GONOSUMDB: noSumDb } : {}),
  };
}
