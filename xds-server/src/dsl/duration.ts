import type { Duration } from './mesh-definition';

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;

/** Milliseconds for `250ms`, `2s`, `1.5s`, `5m`, `1h`; undefined unless it is a whole number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isSafeInteger(ms) ? ms : undefined;
}

export function isDuration(value: unknown): value is Duration {
  return typeof value === 'string' && parseDuration(value) !== undefined;
}

/** For a validated definition: the schema has already rejected anything `parseDuration` cannot read. */
export function durationToMs(duration: Duration): number {
  const ms = parseDuration(duration);
  if (ms === undefined) throw new Error(`invalid duration ${JSON.stringify(duration)}: validate the definition first`);
  return ms;
}
