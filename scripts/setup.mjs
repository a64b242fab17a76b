#!/usr/bin/env node
// Bootstrap for `npm run setup`: it can rely on nothing but Node itself, because it is
// what installs the Node dependencies. The remaining steps (external binaries) run in
// harness/src/setup once the workspace is built.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIN_NODE = [20, 19];

function fail(step, message) {
  console.error(`\n✖ setup failed at step "${step}": ${message}`);
  console.error('  Nothing from this step was kept. Fix the cause above, then run `npm run setup` again.');
  process.exit(1);
}

function run(step, command, args, { hint } = {}) {
  const started = Date.now();
  console.log(`▶ ${step} …`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(step, result.error.message);
  if (result.status !== 0) fail(step, `\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}${hint ? `\n  ${hint}` : ''}`);
  console.log(`✔ ${step} [${((Date.now() - started) / 1000).toFixed(1)}s]`);
}

function workspaces() {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces;
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
  fail('node version', `Node ${MIN_NODE.join('.')} or newer is required, this is ${process.version}`);
}

// The manifests and the lock decide whether node_modules is current. The stamp is written
// only after the install succeeds, so an interrupted install is redone.
const manifests = ['package.json', 'package-lock.json', ...workspaces().map((w) => join(w, 'package.json'))];
const stampFile = join(root, 'node_modules', '.mesh-setup-stamp');
const fingerprint = () =>
  manifests.reduce((h, f) => h.update(readFileSync(join(root, f))), createHash('sha256').update(process.version)).digest('hex');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === fingerprint()) {
  console.log('✔ node dependencies [cached]');
} else {
  // `npm ci` installs exactly the committed lock and refuses a package.json that disagrees
  // with it, so every clone gets the same tree and the lock is never rewritten.
  run('node dependencies (npm ci)', 'npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
    hint: 'If package.json was changed on purpose, run `npm install` to bring package-lock.json in line, and commit both.',
  });
  writeFileSync(stampFile, fingerprint());
}

run('typescript build (tsc -b)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);

// The console's front end (served at /ui/ by the control plane); cached by a hash of its inputs.
const consoleBuild = spawnSync(process.execPath, [join(root, 'console/build.mjs')], { cwd: root, stdio: 'inherit' });
if (consoleBuild.status !== 0) fail('console build', `\`node console/build.mjs\` exited with ${consoleBuild.status ?? consoleBuild.signal}`);

// The README's `npx mesh …` resolves through this link; without it npx answers "could not
// determine executable to run", which says nothing about the cause.
if (!existsSync(join(root, 'node_modules', '.bin', 'mesh'))) {
  fail('mesh CLI link', 'node_modules/.bin/mesh is missing after the install. Remove node_modules and run `npm run setup` again.');
}

const tools = spawnSync(process.execPath, [join(root, 'harness/dist/setup/main.js'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(tools.status ?? 1);
