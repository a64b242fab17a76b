#!/usr/bin/env node
// Builds the console into dist/ with esbuild: one script, one stylesheet, the page. Every
// input is hashed (sources, this script, the versions of the bundled packages and of
// esbuild); when dist/ was built from the same inputs the build is skipped. The output is
// written to a temporary folder and renamed into place, so an interrupted build leaves
// nothing a later run would trust.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const dist = join(here, 'dist');
const stampFile = join(dist, '.build-hash');
const OUTPUTS = ['index.html', 'app.js', 'app.css'];

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of [join(here, 'build.mjs'), join(here, 'package.json'), ...files(join(here, 'src')).sort()]) {
    hash.update(relative(here, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  for (const pkg of ['preact', 'elkjs', 'uplot', 'esbuild']) hash.update(`${pkg}@${require(`${pkg}/package.json`).version}\n`);
  return hash.digest('hex');
}

const started = Date.now();
const hash = inputsHash();
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash && OUTPUTS.every((f) => existsSync(join(dist, f)))) {
  console.log('✔ console build [cached]');
  process.exit(0);
}

console.log('▶ console build (esbuild) …');
const { build } = await import('esbuild');
const staging = join(here, `dist.tmp-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });
try {
  await build({
    entryPoints: { app: join(here, 'src/main.tsx') },
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome120', 'firefox120', 'safari17'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: staging,
    legalComments: 'linked',
    logLevel: 'warning',
    // elkjs's bundle probes for a web worker module it does not need in the browser.
    external: ['web-worker'],
  });
  copyFileSync(join(here, 'src/index.html'), join(staging, 'index.html'));
  writeFileSync(join(staging, '.build-hash'), hash);
  rmSync(dist, { recursive: true, force: true });
  renameSync(staging, dist);
} catch (error) {
  rmSync(staging, { recursive: true, force: true });
  console.error(`✖ console build failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
console.log(`✔ console build [${((Date.now() - started) / 1000).toFixed(1)}s]`);
