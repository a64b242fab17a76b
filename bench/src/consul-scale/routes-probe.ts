import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { httpGet } from '@mesh/harness';

/**
 * Between two /health reads: each costs the control plane a millisecond or two of CPU, and
 * reading back to back would take a good part of the core it needs for the change itself.
 */
const PAUSE_MS = 5;

export class RoutesTimeoutError extends Error {
  override readonly name = 'RoutesTimeoutError';
}

export interface RoutesSeen {
  /** From `since` to the return of the first /health read whose catalog version showed the state. */
  ms: number;
  /** How long that read took: the figure is an upper bound, at most this much late. */
  resolutionMs: number;
}

interface Health {
  consul?: { snapshot?: { version?: string } };
}

/**
 * Waits until /info/routes shows the endpoints of `service` satisfying `check`, and returns
 * when that state was first seen, relative to `since` (performance.now() of the write's
 * return). /info/routes of thousands of services takes tens of milliseconds to serve, and
 * reading it back to back would both blur the figure and slow the control plane down; so
 * /health, which names the catalog version the routes were built from, is read every 5 ms,
 * and /info/routes once for each new version, to check that it is the expected state. The
 * version and the routes change together, in the same synchronous update.
 */
export async function untilRoutes(adminUrl: string, service: string, check: (endpoints: readonly string[]) => boolean, since: number, timeoutMs: number): Promise<RoutesSeen> {
  const deadline = since + timeoutMs;
  let version: string | undefined;
  let endpoints: string[] = [];
  for (;;) {
    const started = performance.now();
    const health = JSON.parse(await httpGet(`${adminUrl}/health`, 10_000)) as Health;
    const returned = performance.now();
    const current = health.consul?.snapshot?.version;
    if (current !== version) {
      version = current;
      const body = JSON.parse(await httpGet(`${adminUrl}/info/routes`, 10_000)) as { services: Array<{ service: string; endpoints: string[] }> };
      endpoints = body.services.find((s) => s.service === service)?.endpoints ?? [];
      if (check(endpoints)) return { ms: returned - since, resolutionMs: returned - started };
    }
    if (returned > deadline) throw new RoutesTimeoutError(`${service}: not as expected within ${timeoutMs} ms; last seen ${JSON.stringify(endpoints)}`);
    await delay(PAUSE_MS);
  }
}
