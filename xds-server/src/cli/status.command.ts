import Table from 'cli-table3';
import type { Command } from 'commander';
import type { ProxyInfo } from '../admin/proxy-info';
import type { ConnectCaHealth } from '../consul/connect-ca-health';
import type { MeshConfigStatus } from '../control-plane/mesh-config-sync.service';
import { DEFAULT_ADMIN_PORT } from '../xds/defaults';

const TYPES = ['CDS', 'EDS', 'LDS', 'SRDS', 'RDS', 'SDS'] as const;

interface InfoResponse {
  controlPlane: string;
  proxies: ProxyInfo[];
}

/** ConnectCaHealth as JSON carries it: dates as ISO strings. */
type CaHealthJson = Omit<ConnectCaHealth, 'degradedSince' | 'nextExpiry' | 'warnings'> & {
  inUse: boolean;
  pendingConfig?: string;
  degradedSince?: string;
  nextExpiry?: { certificate: string; at: string };
};

interface HealthResponse {
  status: string;
  reasons?: string[];
  config?: MeshConfigStatus;
  ca?: CaHealthJson;
}

/** The control plane's own state: health, and which config it serves or rejected. */
export function renderHealth(health: HealthResponse): string {
  const config = health.config;
  // The rejected config gets its own block below.
  const reasons = (health.reasons ?? []).filter((r) => !config?.rejected || !r.startsWith(config.file));
  const lines = [`health: ${health.status}`, ...reasons.map((r) => `  ${r}`)];
  if (!config) lines.push('config: none (catalog only; start with --config to apply mesh.config.ts)');
  else {
    lines.push(`config: ${config.file} version ${config.version}, loaded ${config.loadedAt}`);
    if (config.rejected) lines.push(`config: the edit saved at ${config.rejected.at} was REJECTED; the version above keeps serving:`, ...config.rejected.error.split('\n').map((l) => `  ${l}`));
  }
  const ca = health.ca;
  if (ca) {
    const state = ca.inUse ? ca.status : `${ca.status}, mTLS off everywhere`;
    const next = ca.nextExpiry ? `, next expiry ${ca.nextExpiry.certificate} at ${ca.nextExpiry.at}` : '';
    lines.push(`connect CA: ${state}, trust domain ${ca.trustDomain ?? 'unknown'}, ${ca.roots} roots, ${ca.leaves} leaves${next}`);
  }
  return lines.join('\n');
}

/** Who may call each service, from the DSL and Consul intentions (from /info/routes). */
export interface CallersJson {
  service: string;
  callers?: { allowed: string[] | null; dsl: string[] | null; deniedByIntentions: string[]; l7: string[] };
}

/** One line per destination that restricts its callers, saying which source decided what. */
export function renderCallers(services: readonly CallersJson[]): string {
  const lines = services.flatMap(({ service, callers }) => {
    if (!callers || callers.allowed === null) return [];
    const parts = [
      `allowed: ${callers.allowed.length ? callers.allowed.join(', ') : 'nobody'}`,
      callers.dsl ? `DSL allowedCallers: ${callers.dsl.join(', ') || 'none'}` : 'DSL: any mesh caller',
      ...(callers.deniedByIntentions.length ? [`denied by intentions: ${callers.deniedByIntentions.join(', ')}`] : []),
      ...(callers.l7.length ? [`per request (L7 intentions): ${callers.l7.join(', ')}`] : []),
    ];
    return [`  ${service}: ${parts.join('; ')}`];
  });
  return lines.length ? ['callers (an explicit deny from the DSL or an intention wins):', ...lines].join('\n') : '';
}

/** A service's policy sources, from /info/routes. */
export interface SourcesJson {
  service: string;
  sources?: { text: string; entries: Record<string, string>; callers?: Record<string, unknown> };
}

/**
 * Where each destination's policy comes from, for the destinations a Consul config entry shapes
 * (the rest follow mesh.config.ts whole), then everything not served as written.
 */
export function renderPolicySources(services: readonly SourcesJson[], problems: readonly string[]): string {
  const byEntry = (sources: NonNullable<SourcesJson['sources']>): boolean => Object.keys(sources.entries).length > 0 || Object.keys(sources.callers ?? {}).length > 0;
  const shaped = services.flatMap(({ service, sources }) => (sources && byEntry(sources) ? [`  ${service}: ${sources.text}`] : []));
  const lines = shaped.length ? ['policy sources (a config entry wins over mesh.config.ts):', ...shaped] : [];
  if (problems.length) lines.push('not served as written:', ...problems.map((p) => `  ${p}`));
  return lines.join('\n');
}

/** The proxy table, in the style of `istioctl proxy-status`, plus the text of every last NACK. */
export function renderStatus(info: InfoResponse): string {
  const table = new Table({ head: ['NAME', 'SERVICE', 'PROTOCOL', ...TYPES, 'CERT SERIAL', 'CERT EXPIRES', 'CONNECTED SINCE'], style: { head: [], border: [] } });
  for (const proxy of info.proxies) {
    table.push([
      proxy.nodeId,
      proxy.service || '-',
      proxy.kind === 'grpc' ? `${proxy.protocol} (gRPC)` : proxy.protocol,
      ...TYPES.map((t) => proxy.types[t]?.status ?? 'NOT SENT'),
      proxy.certificate?.serialNumber ?? '-',
      proxy.certificate ? `${proxy.certificate.expires}${proxy.certificate.renewable ? '' : ' (NOT RENEWABLE)'}` : '-',
      proxy.connectedSince,
    ]);
  }
  const nacks = info.proxies.flatMap((p) =>
    TYPES.flatMap((t) => {
      const type = p.types[t];
      return type?.status === 'NACKED' && type.lastNack
        ? [`${p.nodeId} rejected ${t} ${type.lastNack.version} (${type.lastNack.resources.join(', ') || 'no resources'}): ${type.lastNack.error}`]
        : [];
    }),
  );
  const lines = [`control plane ${info.controlPlane}: ${info.proxies.length} proxies`, table.toString()];
  if (nacks.length) lines.push('', 'Rejected configuration:', ...nacks.map((n) => `  ${n}`));
  return lines.join('\n');
}

async function getJson(admin: string, path: string): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, admin), { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new Error(
      `cannot reach the control plane admin API at ${admin} (${(error as Error).message}). Is \`mesh xds\` running? Pass --admin to point elsewhere.`,
    );
  }
  // /health answers 503 with a body while the first catalog is pending.
  if (!response.ok && response.status !== 503) throw new Error(`${admin}${path} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show the control plane health, its config, and whether each proxy\'s xDS types are SYNCED, STALE or NACKED')
    .option('--admin <url>', 'the control plane admin API', `http://127.0.0.1:${DEFAULT_ADMIN_PORT}`)
    .option('--json', 'print the raw /info, /health and /info/routes documents')
    .action(async (options: { admin: string; json?: boolean }) => {
      const info = (await getJson(options.admin, '/info')) as InfoResponse;
      const health = (await getJson(options.admin, '/health')) as HealthResponse;
      const routes = (await getJson(options.admin, '/info/routes')) as { services: Array<CallersJson & SourcesJson>; problems?: string[] };
      const extra = [renderCallers(routes.services), renderPolicySources(routes.services, routes.problems ?? [])].filter((text) => text !== '');
      console.log(options.json ? JSON.stringify({ ...info, health, routes }, null, 2) : [renderHealth(health), renderStatus(info), ...extra].join('\n'));
    });
}
