export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastSeen: string,
  ) {
    super(`${what}: not reached within ${(timeoutMs / 1000).toFixed(1)}s; last seen: ${lastSeen}`);
  }
}

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Rejects early, e.g. when the process being waited on has exited. */
  abort?: Promise<never>;
}

/**
 * Polls `probe` until it returns a value other than undefined or false. A probe that
 * throws counts as "not yet"; its message is what the DeadlineError reports as last seen.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 100;
  let lastSeen = 'nothing yet';
  let aborted = false;
  options.abort?.catch(() => (aborted = true));
  const poll = async (): Promise<T> => {
    while (!aborted) {
      try {
        const value = await probe();
        if (value !== undefined && value !== false) return value;
        lastSeen = `probe returned ${String(value)}`;
      } catch (error) {
        lastSeen = error instanceof Error ? error.message : String(error);
      }
      if (Date.now() >= deadline) throw new DeadlineError(what, options.timeoutMs, lastSeen);
      await new Promise((r) => setTimeout(r, interval));
    }
    throw new Error(`${what}: aborted`);
  };
  return options.abort ? Promise.race([poll(), options.abort]) : poll();
}

/** GETs a URL and returns the body of a 2xx answer; anything else throws with the status. */
export async function httpGet(url: string, timeoutMs = 2000, headers?: Record<string, string>): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), ...(headers ? { headers } : {}) });
  const body = await response.text();
  if (!response.ok) throw new Error(`GET ${url} -> ${response.status} ${body.slice(0, 200)}`);
  return body;
}
