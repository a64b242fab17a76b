import { parseArgs } from 'node:util';

export interface BenchOptions {
  changes: number;
  /** Pause between the end of one poll of an Envoy's /clusters and the next. */
  pollIntervalMs: number;
  /** Pause after every Envoy has caught up with a change, before the next change. */
  gapMs: number;
  /** How long one change may take to reach every Envoy before the run fails. */
  timeoutMs: number;
  quick: boolean;
}

const FULL_CHANGES = 60;
const QUICK_CHANGES = 20;

export class BenchArgsError extends Error {
  override readonly name = 'BenchArgsError';
}

function integerFlag(flag: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new BenchArgsError(`--${flag} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      changes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'poll-ms': { type: 'string', default: '2' },
      'gap-ms': { type: 'string', default: '300' },
      'timeout-ms': { type: 'string', default: '15000' },
    },
  });
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  let values: ReturnType<typeof parseFlags>['values'];
  try {
    values = parseFlags(argv).values;
  } catch (error) {
    throw new BenchArgsError(error instanceof Error ? error.message : String(error));
  }
  const quick = values.quick ?? false;
  return {
    quick,
    changes: values.changes === undefined ? (quick ? QUICK_CHANGES : FULL_CHANGES) : integerFlag('changes', values.changes, 2),
    pollIntervalMs: integerFlag('poll-ms', values['poll-ms'] ?? '2', 0),
    gapMs: integerFlag('gap-ms', values['gap-ms'] ?? '300', 0),
    timeoutMs: integerFlag('timeout-ms', values['timeout-ms'] ?? '15000', 100),
  };
}

export const USAGE = `usage: node bench/dist/propagation.bench.js [--quick] [--changes N] [--poll-ms 2] [--gap-ms 300] [--timeout-ms 15000]
  --quick       ${QUICK_CHANGES} changes instead of ${FULL_CHANGES} (the acceptance figure needs at least 50)
  --changes N   number of (de)registrations, alternating register / deregister
  --poll-ms     pause between two reads of one Envoy's /clusters (sets the resolution floor)
  --gap-ms      pause after every Envoy has converged, before the next change
  --timeout-ms  longest one change may take to reach every Envoy`;
