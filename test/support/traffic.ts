import { httpRequest, type HttpResult } from './http-request';

/** GET through a sidecar's outbound listener, addressing a service by Host. */
export function viaSidecar(outboundPort: number, host: string, path = '/hello', timeoutMs = 5000): Promise<HttpResult> {
  return httpRequest(`http://127.0.0.1:${outboundPort}${path}`, { headers: { host }, timeoutMs });
}

/** Runs `count` calls, at most `concurrency` at a time, and returns their results in call order. */
export async function burst<T>(count: number, concurrency: number, call: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await call(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** How often each value occurs. */
export function tally(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** The instance named in a policy-upstream answer, or `<status>` when there is none. */
export function answeredBy(result: HttpResult): string {
  try {
    return (JSON.parse(result.body) as { instance?: string }).instance ?? `${result.status}`;
  } catch {
    return `${result.status}`;
  }
}
