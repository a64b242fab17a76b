import { performance } from 'node:perf_hooks';
import { httpGet } from '@mesh/harness';

export class RoutesTimeoutError extends Error {
  override readonly name = 'RoutesTimeoutError';
}

export interface RoutesSeen {
  /** From `since` to the return of the first /info/routes read that showed the state. */
  ms: number;
  /** How long that read took: the figure is an upper bound, at most this much late. */
  resolutionMs: number;
}

/**
 * Reads the control plane's /info/routes back to back until the endpoints of `service` satisfy
 * `check`, and returns when the first read that showed it came back, relative to `since`
 * (performance.now() of the write's return).
 */
export async function untilRoutes(adminUrl: string, service: string, check: (endpoints: readonly string[]) => boolean, since: number, timeoutMs: number): Promise<RoutesSeen> {
  const deadline = since + timeoutMs;
  for (;;) {
    const started = performance.now();
    const body = JSON.parse(await httpGet(`${adminUrl}/info/routes`, 10_000)) as { services: Array<{ service: string; endpoints: string[] }> };
    const returned = performance.now();
    const endpoints = body.services.find((s) => s.service === service)?.endpoints ?? [];
    if (check(endpoints)) return { ms: returned - since, resolutionMs: returned - started };
    if (returned > deadline) throw new RoutesTimeoutError(`${service}: not as expected within ${timeoutMs} ms; last seen ${JSON.stringify(endpoints)}`);
  }
}
