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

function run(step, command, args) {
  const started = Date.now();
  console.log(`▶ ${step} …`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(step, result.error.message);
  if (result.status !== 0) fail(step, `\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}`);
  console.log(`✔ ${step} [${((Date.now() - started) / 1000).toFixed(1)}s]`);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < MIN_NODE[0] || (major === MIN_NODE[0] && minor < MIN_NODE[1])) {
  fail('node version', `Node ${MIN_NODE.join('.')} or newer is required, this is ${process.version}`);
}

// The stamp is written only after `npm ci` succeeds, so an interrupted install is redone.
const lock = readFileSync(join(root, 'package-lock.json'));
const stampFile = join(root, 'node_modules', '.mesh-setup-stamp');
const wanted = createHash('sha256').update(lock).update(process.version).digest('hex');
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === wanted) {
  console.log('✔ node dependencies [cached]');
} else {
  run('node dependencies (npm ci)', 'npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(stampFile, wanted);
}

run('typescript build (tsc -b)', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b']);

const tools = spawnSync(process.execPath, [join(root, 'harness/dist/setup/main.js'), ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(tools.status ?? 1);
