/**
 * The systems the console reads besides the control plane itself. Each is optional: a view
 * whose system is not configured, or does not answer, says so and the others keep working.
 */
export interface ConsoleSources {
  /** Prometheus HTTP API, e.g. http://127.0.0.1:9090. */
  prometheusUrl?: string;
  /** Jaeger query API, e.g. http://127.0.0.1:16686. */
  jaegerUrl?: string;
  /** Temporal frontend (gRPC), e.g. 127.0.0.1:7233. */
  temporalAddress?: string;
  /** Temporal Web UI, linked from each workflow execution. */
  temporalUiUrl?: string;
  temporalNamespace?: string;
}

/** What a view gets from an outside system: its data, or why there is none. */
export type Sourced<T> = { available: true; data: T } | { available: false; reason: string };

export class UpstreamUnavailableError extends Error {
  override readonly name = 'UpstreamUnavailableError';
  constructor(system: string, url: string, cause: string) {
    super(`${system} at ${url} did not answer: ${cause}`);
  }
}

/** GET a JSON document; any failure (refused, timeout, non-2xx, not JSON) is an UpstreamUnavailableError. */
export async function fetchJson<T>(system: string, url: string, timeoutMs = 4000): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new UpstreamUnavailableError(system, url, cause);
  }
  const text = await response.text();
  if (!response.ok) throw new UpstreamUnavailableError(system, url, `HTTP ${response.status} ${text.slice(0, 200)}`);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new UpstreamUnavailableError(system, url, `not JSON: ${text.slice(0, 120)}`);
  }
}

/** Runs a read against an outside system, turning "not configured" and failures into a plain reason. */
export async function sourced<T>(system: string, configured: string | undefined, flag: string, read: (base: string) => Promise<T>): Promise<Sourced<T>> {
  if (!configured) return { available: false, reason: `${system} is not configured (start the control plane with ${flag})` };
  try {
    return { available: true, data: await read(configured.replace(/\/$/, '')) };
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
