import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const WORKFLOWS_DIR = join(__dirname, '..', 'workflows');
const INTERCEPTOR_MODULES = [
  join(WORKFLOWS_DIR, 'outcome.interceptor'),
  // RunWorkflow, StartActivity, StartChildWorkflow and HandleSignal spans, continuing the trace in the Temporal headers.
  '@temporalio/interceptors-opentelemetry-v2/lib/workflow-interceptors',
];
const CACHE_DIR = join(__dirname, '..', '.workflow-bundle');

/** What the bundle is made of: the compiled workflow modules, the contract they import, the SDK and tracing interceptor versions. */
function inputsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(WORKFLOWS_DIR).filter((f) => f.endsWith('.js')).sort()) {
    hash.update(file).update(readFileSync(join(WORKFLOWS_DIR, file)));
  }
  hash.update(readFileSync(require.resolve('@mesh/service-kit/contract')));
  hash.update(readFileSync(require.resolve('@temporalio/workflow/package.json')));
  hash.update(readFileSync(require.resolve('@temporalio/interceptors-opentelemetry-v2/package.json')));
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
    workflowInterceptorModules: INTERCEPTOR_MODULES.map((module) => require.resolve(module)),
  });
  mkdirSync(CACHE_DIR, { recursive: true });
  const partial = `${file}.${process.pid}.tmp`;
  writeFileSync(partial, code);
  renameSync(partial, file);
  return { code };
}
