import type { Command } from 'commander';
import { diffConfig, formatDiff, heldResources, type ConfigResource, type DiffReport } from '../admin/console/config-diff';
import type { Json } from '../admin/console/envoy-json';
import { DEFAULT_ADMIN_PORT } from '../xds/defaults';

export class DiffCommandError extends Error {
  override readonly name = 'DiffCommandError';
}

/** Exit codes: 0 in sync, 1 differs, 2 the comparison could not be made. */
export const DIFF_EXIT = { inSync: 0, differs: 1, failed: 2 } as const;

async function getJson<T>(url: string, what: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new DiffCommandError(`${what} at ${url} did not answer (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`);
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: the text as it came
    }
    throw new DiffCommandError(`${what} answered ${response.status}: ${message}`);
  }
  return JSON.parse(text) as T;
}

export async function proxyDiff(admin: string, proxyId: string, envoyAdmin: string | undefined): Promise<DiffReport> {
  const base = admin.replace(/\/$/, '');
  const id = encodeURIComponent(proxyId);
  if (!envoyAdmin) return (await getJson<{ report: DiffReport }>(`${base}/ui/api/proxies/${id}/diff`, 'the control plane')).report;
  const { resources } = await getJson<{ resources: ConfigResource[] }>(`${base}/ui/api/proxies/${id}/intended`, 'the control plane');
  const dump = await getJson<Json>(`${envoyAdmin.replace(/\/$/, '')}/config_dump?include_eds`, 'Envoy admin');
  return diffConfig(resources, heldResources(dump));
}

export function registerDiffCommand(program: Command): void {
  program
    .command('diff <proxy-id>')
    .description(
      'Compare what the control plane intends a proxy to hold with what its Envoy holds (/config_dump), resource by resource and field by field; exit 0 in sync, 1 differs, 2 error',
    )
    .option('--admin <url>', 'the control plane admin API', `http://127.0.0.1:${DEFAULT_ADMIN_PORT}`)
    .option('--envoy-admin <url>', "the proxy's Envoy admin (default: the address it announced in node metadata admin_address)")
    .option('--json', 'print the whole report as JSON')
    .action(async (proxyId: string, options: { admin: string; envoyAdmin?: string; json?: boolean }) => {
      try {
        const report = await proxyDiff(options.admin, proxyId, options.envoyAdmin);
        if (options.json) console.log(JSON.stringify(report, null, 2));
        else if (report.inSync) console.log(`${proxyId}: in sync (${report.resources.length} resources)`);
        else console.log([`${proxyId}: differs`, ...formatDiff(report).map((line) => `  ${line}`)].join('\n'));
        process.exitCode = report.inSync ? DIFF_EXIT.inSync : DIFF_EXIT.differs;
      } catch (error) {
        console.error(`✖ ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = DIFF_EXIT.failed;
      }
    });
}
