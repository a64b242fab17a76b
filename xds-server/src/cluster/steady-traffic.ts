/**
 * Steady requests while a fault happens, bounded in count and time: it stops by itself at
 * `maxRequests` or `maxDurationMs`, whichever comes first, or when stop() is called. Every
 * request is recorded with when it started and whether it succeeded.
 */

export interface TrafficSample {
  /** ms since the epoch when the request was sent. */
  at: number;
  ok: boolean;
  detail?: string;
}

export interface TrafficOptions {
  intervalMs: number;
  maxRequests: number;
  maxDurationMs: number;
  /** Requests in flight at once (each loop waits for its own answer). */
  concurrency?: number;
}

export interface SteadyTraffic {
  samples(): readonly TrafficSample[];
  /** Stops sending, waits for the requests in flight, and returns every sample. */
  stop(): Promise<TrafficSample[]>;
}

export function steadyTraffic(request: () => Promise<void>, options: TrafficOptions): SteadyTraffic {
  const samples: TrafficSample[] = [];
  const started = Date.now();
  let stopped = false;
  let sent = 0;
  const loop = async () => {
    while (!stopped && sent < options.maxRequests && Date.now() - started < options.maxDurationMs) {
      sent++;
      const at = Date.now();
      try {
        await request();
        samples.push({ at, ok: true });
      } catch (error) {
        samples.push({ at, ok: false, detail: error instanceof Error ? error.message : String(error) });
      }
      const wait = options.intervalMs - (Date.now() - at);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 1 }, loop);
  return {
    samples: () => samples,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      return [...samples].sort((a, b) => a.at - b.at);
    },
  };
}

export interface FaultFigures {
  requests: number;
  failed: number;
  /** ms from the fault to the last failed request sent; 0 when none failed after it. */
  failoverMs: number;
  /** Failed requests sent more than `windowMs` after the fault. */
  failedAfterWindow: number;
  /** The first few failures after the window (else the first few at all), with their offset from the fault, for a message. */
  examples: string[];
}

/** What a fault at `faultAt` did to the traffic: how many failed, and until when. */
export function faultFigures(samples: readonly TrafficSample[], faultAt: number, windowMs: number): FaultFigures {
  const failures = samples.filter((s) => !s.ok);
  const afterFault = failures.filter((s) => s.at >= faultAt);
  const last = afterFault.reduce((latest, s) => Math.max(latest, s.at), faultAt);
  const late = afterFault.filter((s) => s.at > faultAt + windowMs);
  return {
    requests: samples.length,
    failed: failures.length,
    failoverMs: last - faultAt,
    failedAfterWindow: late.length,
    examples: (late.length > 0 ? late : failures).slice(0, 5).map((s) => `+${s.at - faultAt} ms ${s.detail ?? ''}`.trim()),
  };
}
