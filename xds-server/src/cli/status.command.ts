import Table from 'cli-table3';
import type { Command } from 'commander';
import type { ProxyInfo } from '../admin/proxy-info';
import { DEFAULT_ADMIN_PORT } from '../xds/defaults';

const TYPES = ['CDS', 'EDS', 'LDS', 'RDS', 'SDS'] as const;

interface InfoResponse {
  controlPlane: string;
  proxies: ProxyInfo[];
}

/** The proxy table, in the style of `istioctl proxy-status`, plus the text of every last NACK. */
export function renderStatus(info: InfoResponse): string {
  const table = new Table({ head: ['NAME', 'SERVICE', 'PROTOCOL', ...TYPES, 'CONNECTED SINCE'], style: { head: [], border: [] } });
  for (const proxy of info.proxies) {
    table.push([
      proxy.nodeId,
      proxy.service || '-',
      proxy.kind === 'grpc' ? `${proxy.protocol} (gRPC)` : proxy.protocol,
      ...TYPES.map((t) => proxy.types[t]?.status ?? 'NOT SENT'),
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

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show every connected proxy and whether each xDS type is SYNCED, STALE or NACKED')
    .option('--admin <url>', 'the control plane admin API', `http://127.0.0.1:${DEFAULT_ADMIN_PORT}`)
    .option('--json', 'print the raw /info document')
    .action(async (options: { admin: string; json?: boolean }) => {
      let response: Response;
      try {
        response = await fetch(new URL('/info', options.admin), { signal: AbortSignal.timeout(5000) });
      } catch (error) {
        throw new Error(
          `cannot reach the control plane admin API at ${options.admin} (${(error as Error).message}). Is \`mesh xds\` running? Pass --admin to point elsewhere.`,
        );
      }
      if (!response.ok) throw new Error(`${options.admin}/info answered ${response.status}: ${await response.text()}`);
      const info = (await response.json()) as InfoResponse;
      console.log(options.json ? JSON.stringify(info, null, 2) : renderStatus(info));
    });
}
