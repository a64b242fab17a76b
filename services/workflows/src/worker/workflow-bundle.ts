import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const WORKFLOWS_DIR = join(__dirname, '..', 'workflows');
const INTERCEPTOR_MODULE = join(WORKFLOWS_DIR, 'outcome.interceptor');
const CACHE_DIR = join(__dirname, '..', '.workflow-bundle');

/** What the bundle is made of: the compiled workflow modules, the contract they import, the SDK version. */
function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.js')).sort()) {
    hash.update(file).update(readFileSync(join(WORKFLOWS_DIR, file)));
  }
  hash.update(readFileSync(require.resolve('@mesh/service-kit/contract')));
  hash.update(readFileSync(require.resolve('@temporalio/workflow/package.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The workflow code bundle (webpack, several seconds on a small machine), built once per
 * content and kept in dist/.workflow-bundle, so a worker restart reuses it.
 */
export async function loadWorkflowBundle(): Promise<{ code: string }> {
  const file = join(CACHE_DIR, `${inputsHash()}.js`);
  if (existsSync(file)) return { code: readFileSync(file, 'utf8') };
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve(WORKFLOWS_DIR),
    workflowInterceptorModules: [require.resolve(INTERCEPTOR_MODULE)],
  });
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return { code };
}
