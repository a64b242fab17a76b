import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { BenchOptions } from './args';
import type { ChangeKind, EchoFleet } from './echo-fleet';
import { summarize } from './stats';
import { readHostSet, type ClusterProbe } from './envoy-clusters';

/** One Envoy's view of one change. */
export interface Observation {
  /** From the PUT's return to the first /clusters answer that showed the new host set. */
  latencyMs: number;
  /**
   * When the last read that still showed the old set was sent. The change became visible
   * after this and before latencyMs, so the difference is this sample's resolution.
   */
  lowerBoundMs: number;
  polls: number;
}

export interface ChangeRecord {
  index: number;
  kind: ChangeKind;
  byProbe: Record<string, Observation>;
}

export class PropagationTimeoutError extends Error {
  override readonly name = 'PropagationTimeoutError';
  constructor(probe: string, expected: string, lastSeen: string, timeoutMs: number) {
    super(`${probe}: host set not reached within ${timeoutMs} ms\n  expected: [${expected}]\n  last seen: ${lastSeen}`);
  }
}

export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

interface PollSettings {
  pollIntervalMs: number;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Reads /clusters in a tight loop until the cluster holds exactly `expected`. */
async function observe(probe: ClusterProbe, expected: string, startedAt: number, settings: PollSettings): Promise<Observation> {
  let polls = 0;
  let lowerBoundMs = 0;
  let lastSeen = 'nothing yet';
  for (;;) {
    if (settings.signal.aborted) throw new InterruptedError();
    const sentAt = performance.now();
    try {
      const seen = await readHostSet(probe);
      polls += 1;
      if (seen === expected) return { latencyMs: performance.now() - startedAt, lowerBoundMs, polls };
      lastSeen = `[${seen}]`;
    } catch (error) {
      lastSeen = error instanceof Error ? error.message : String(error);
    }
    lowerBoundMs = Math.max(0, sentAt - startedAt);
    if (performance.now() - startedAt > settings.timeoutMs) throw new PropagationTimeoutError(probe.label, expected, lastSeen, settings.timeoutMs);
    await delay(settings.pollIntervalMs);
  }
}

function observeAll(probes: readonly ClusterProbe[], expected: string, startedAt: number, settings: PollSettings): Promise<Observation[]> {
  return Promise.all(probes.map((p) => observe(p, expected, startedAt, settings)));
}

/** Waits, unmeasured, until every Envoy shows the fleet's current set: the starting line. */
export async function warmUp(fleet: EchoFleet, probes: readonly ClusterProbe[], signal: AbortSignal): Promise<void> {
  await observeAll(probes, fleet.expectedHostSet(), performance.now(), { pollIntervalMs: 50, timeoutMs: 60_000, signal });
}

/** Median time of one /clusters read while nothing changes: the least a poll can cost. */
export async function idleReadMs(probe: ClusterProbe, reads = 30): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < reads; i++) {
    const sentAt = performance.now();
    await readHostSet(probe);
    times.push(performance.now() - sentAt);
  }
  return summarize(times).p50;
}

export async function runChanges(
  fleet: EchoFleet,
  probes: readonly ClusterProbe[],
  options: BenchOptions,
  signal: AbortSignal,
  onChange: (record: ChangeRecord) => void,
): Promise<ChangeRecord[]> {
  const settings = { pollIntervalMs: options.pollIntervalMs, timeoutMs: options.timeoutMs, signal };
  const records: ChangeRecord[] = [];
  for (let index = 0; index < options.changes; index++) {
    const kind = await fleet.change(index);
    const startedAt = performance.now();
    const observations = await observeAll(probes, fleet.expectedHostSet(), startedAt, settings);
    const byProbe = Object.fromEntries(probes.map((p, i) => [p.label, observations[i] as Observation]));
    const record = { index, kind, byProbe };
    records.push(record);
    onChange(record);
    // Changes are spaced so each is measured on its own rather than as part of a burst.
    await delay(options.gapMs, undefined, { signal }).catch(() => undefined);
  }
  return records;
}
