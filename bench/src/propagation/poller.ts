import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { InterruptedError } from '../shared/run-context';
import { readRoutableHosts, type ClusterProbe } from './envoy-clusters';

/** One Envoy's view of one change. */
export interface Observation {
  /** From the write's return to the first /clusters answer that showed the new host set. */
  latencyMs: number;
  /**
   * When the last read that still showed the old set was sent. The change became visible
   * after this and before latencyMs, so the difference is this sample's resolution.
   */
  lowerBoundMs: number;
  polls: number;
}

export class PropagationTimeoutError extends Error {
  override readonly name = 'PropagationTimeoutError';
  constructor(probe: string, expected: string, lastSeen: string, timeoutMs: number) {
    super(`${probe}: routable hosts not reached within ${timeoutMs} ms\n  expected: [${expected}]\n  last seen: ${lastSeen}`);
  }
}

export interface PollSettings {
  /** Reads in flight at once, across all Envoys. */
  concurrency: number;
  /** Least time between the end of one read of an Envoy and the start of the next. */
  pollIntervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

interface ProbeState {
  polls: number;
  lowerBoundMs: number;
  lastEnd: number;
  lastSeen: string;
}

/**
 * Reads every Envoy's /clusters until each shows `expected`, with at most `concurrency`
 * reads in flight: Envoys still behind are read round-robin, so each is read about once per
 * cycle, and a cycle gets shorter as Envoys catch up. The probes' order interleaves the groups,
 * so no group is read first more often than another.
 */
export function observeAll(probes: readonly ClusterProbe[], expected: string, startedAt: number, settings: PollSettings): Promise<Map<string, Observation>> {
  const results = new Map<string, Observation>();
  const states = new Map<string, ProbeState>(probes.map((p) => [p.name, { polls: 0, lowerBoundMs: 0, lastEnd: -Infinity, lastSeen: 'nothing yet' }]));
  const queue = [...probes];
  let inFlight = 0;
  let failed = false;

  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    const readOnce = async (probe: ClusterProbe): Promise<boolean> => {
      const state = states.get(probe.name) as ProbeState;
      const wait = state.lastEnd + settings.pollIntervalMs - performance.now();
      if (wait > 0) await delay(wait);
      const sentAt = performance.now();
      try {
        const seen = await readRoutableHosts(probe);
        state.polls += 1;
        if (seen === expected) {
          results.set(probe.name, { latencyMs: performance.now() - startedAt, lowerBoundMs: state.lowerBoundMs, polls: state.polls });
          return true;
        }
        state.lastSeen = `[${seen}]`;
      } catch (error) {
        state.lastSeen = error instanceof Error ? error.message : String(error);
      }
      state.lowerBoundMs = Math.max(0, sentAt - startedAt);
      state.lastEnd = performance.now();
      if (state.lastEnd - startedAt > settings.timeoutMs) throw new PropagationTimeoutError(probe.name, expected, state.lastSeen, settings.timeoutMs);
      return false;
    };
    const pump = () => {
      if (failed) return;
      if (settings.signal.aborted) return fail(new InterruptedError());
      if (results.size === probes.length) return resolve(results);
      while (inFlight < settings.concurrency && queue.length > 0) {
        const probe = queue.shift() as ClusterProbe;
        inFlight += 1;
        readOnce(probe).then(
          (done) => {
            inFlight -= 1;
            if (!done) queue.push(probe);
            pump();
          },
          (error: Error) => fail(error),
        );
      }
    };
    pump();
  });
}

/** Median time of one /clusters read while nothing changes: the least a poll can cost. */
export async function idleReadMs(probe: ClusterProbe, reads = 20): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reads; i++) {
    const sentAt = performance.now();
    await readRoutableHosts(probe);
    times.push(performance.now() - sentAt);
  }
  return times.sort((a, b) => a - b)[Math.floor(reads / 2)] as number;
}
