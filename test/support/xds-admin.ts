import { httpGet } from '@mesh/harness';
import type { ProxyInfo } from '../../xds-server/src/admin/proxy-info';

export async function proxies(adminUrl: string): Promise<ProxyInfo[]> {
  return (JSON.parse(await httpGet(`${adminUrl}/info`)) as { proxies: ProxyInfo[] }).proxies;
}

export async function proxy(adminUrl: string, nodeId: string): Promise<ProxyInfo | undefined> {
  return (await proxies(adminUrl)).find((p) => p.nodeId === nodeId);
}

/** Sum of a Prometheus counter or gauge over the series matching every given label. */
export async function metric(adminUrl: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await httpGet(`${adminUrl}/metrics`);
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})? ([\d.eE+-]+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) sum += Number(match[3]);
  }
  return sum;
}

export async function health(adminUrl: string): Promise<{ status: string; reason?: string }> {
  const response = await fetch(`${adminUrl}/health`);
  return (await response.json()) as { status: string; reason?: string };
}
