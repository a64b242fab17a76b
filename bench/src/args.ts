import type { Protocol } from './scale/sim-client';
import { parseArgs } from 'node:util';

export const SCENARIOS = ['propagation', 'scale', 'churn', 'consul-scale', 'cluster'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface PropagationOptions {
  /** Envoys on our control plane (half SotW, half Delta), and as many on Consul's xDS. */
  envoys: number;
  changes: number;
  pollIntervalMs: number;
  pollConcurrency: number;
  gapMs: number;
  timeoutMs: number;
}

export interface ScaleOptions {
  clients: number;
  services: number;
  changes: number;
  /** Clients for the comparison with Consul's xDS, which needs a registered proxy per client. */
  peerClients: number;
  /** Another checkout of this repository, built, whose control plane runs the same measurements as a baseline. */
  baseline: string | undefined;
  workers: number;
  connectConcurrency: number;
  gapMs: number;
  timeoutMs: number;
  /** After the changes, restart our control plane under every stream and time the resync. */
  storm: boolean;
  /** Which of our runs: SotW, Delta or both. */
  protocols: Protocol[];
  /** Register the instances without a health check (the control plane then reads every service per change). */
  uncheckedInstances: boolean;
}

export interface ChurnOptions {
  clients: number;
  services: number;
  reloads: number;
  workers: number;
  timeoutMs: number;
}

export interface ConsulScaleOptions {
  services: number;
  changes: number;
  uncheckedChanges: number;
  bursts: number;
  /** Services of the second, smaller catalog for the burst comparison; 0 skips it. */
  compareServices: number;
  /** Another built checkout (as for scale) whose control plane runs the burst comparison. */
  baseline: string | undefined;
  gapMs: number;
  timeoutMs: number;
}

export interface BenchOptions {
  quick: boolean;
  /** Run our control plane under --cpu-prof; profiles land in the run directory. */
  profile: boolean;
  only: ScenarioName[];
  propagation: PropagationOptions;
  scale: ScaleOptions;
  churn: ChurnOptions;
  consulScale: ConsulScaleOptions;
}

export class BenchArgsError extends Error {
  override readonly name = 'BenchArgsError';
}

function protocolsFlag(value: string): Protocol[] {
  const list = value.split(',').map((p) => p.trim());
  const unknown = list.filter((p) => p !== 'sotw' && p !== 'delta');
  if (unknown.length > 0 || list.length === 0) throw new BenchArgsError(`--protocols ${value}: expected sotw, delta or sotw,delta`);
  return [...new Set(list)] as Protocol[];
}

/** [full, quick] defaults. */
const DEFAULTS = {
  envoys: [50, 10],
  changes: [400, 104],
  clients: [5000, 1000],
  services: [500, 500],
  'scale-changes': [10, 6],
  'peer-clients': [50, 10],
  'churn-clients': [1000, 1000],
  reloads: [5, 3],
  'cs-services': [2000, 2000],
  'cs-changes': [10, 6],
  'cs-unchecked-changes': [3, 2],
  bursts: [10, 5],
  'compare-services': [150, 150],
} as const;

function integerFlag(flag: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new BenchArgsError(`--${flag} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

function parseFlags(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'no-storm': { type: 'boolean', default: false },
      protocols: { type: 'string' },
      'unchecked-instances': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
      only: { type: 'string' },
      envoys: { type: 'string' },
      changes: { type: 'string' },
      'poll-ms': { type: 'string', default: '2' },
      'poll-concurrency': { type: 'string', default: '4' },
      'gap-ms': { type: 'string', default: '250' },
      'timeout-ms': { type: 'string', default: '20000' },
      clients: { type: 'string' },
      services: { type: 'string' },
      'scale-changes': { type: 'string' },
      'peer-clients': { type: 'string' },
      'churn-clients': { type: 'string' },
      reloads: { type: 'string' },
      workers: { type: 'string', default: '2' },
      'cs-services': { type: 'string' },
      'cs-changes': { type: 'string' },
      'cs-unchecked-changes': { type: 'string' },
      bursts: { type: 'string' },
      'compare-services': { type: 'string' },
      baseline: { type: 'string' },
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
  if (values.help) throw new BenchArgsError('');
  const quick = values.quick ?? false;
  const pick = (flag: keyof typeof DEFAULTS, min: number): number => {
    const raw = values[flag];
    return raw === undefined ? DEFAULTS[flag][quick ? 1 : 0] : integerFlag(flag, raw, min);
  };
  const only = values.only === undefined ? [...SCENARIOS] : values.only.split(',').map((s) => s.trim());
  for (const name of only) {
    if (!(SCENARIOS as readonly string[]).includes(name)) throw new BenchArgsError(`--only: unknown scenario "${name}"; choose from ${SCENARIOS.join(', ')}`);
  }
  const timeoutMs = integerFlag('timeout-ms', values['timeout-ms'] ?? '20000', 100);
  const workers = integerFlag('workers', values.workers ?? '2', 1);
  const gapMs = integerFlag('gap-ms', values['gap-ms'] ?? '250', 0);
  return {
    quick,
    profile: values.profile ?? false,
    only: only as ScenarioName[],
    propagation: {
      envoys: pick('envoys', 2),
      changes: pick('changes', 4),
      pollIntervalMs: integerFlag('poll-ms', values['poll-ms'] ?? '2', 0),
      pollConcurrency: integerFlag('poll-concurrency', values['poll-concurrency'] ?? '4', 1),
      gapMs,
      timeoutMs,
    },
    scale: {
      clients: pick('clients', 1),
      services: pick('services', 1),
      changes: pick('scale-changes', 2),
      peerClients: pick('peer-clients', 0),
      baseline: values.baseline,
      workers,
      connectConcurrency: 200,
      gapMs: Math.max(gapMs, 500),
      timeoutMs: Math.max(timeoutMs, 60_000),
      storm: !values['no-storm'],
      protocols: protocolsFlag(values.protocols ?? 'sotw,delta'),
      uncheckedInstances: values['unchecked-instances'] ?? false,
    },
    churn: {
      clients: pick('churn-clients', 1),
      services: pick('services', 1),
      reloads: pick('reloads', 1),
      workers,
      timeoutMs: Math.max(timeoutMs, 60_000),
    },
    consulScale: {
      services: pick('cs-services', 3),
      changes: pick('cs-changes', 0),
      uncheckedChanges: pick('cs-unchecked-changes', 0),
      bursts: pick('bursts', 0),
      compareServices: pick('compare-services', 0),
      baseline: values.baseline,
      gapMs,
      timeoutMs,
    },
  };
}

export const USAGE = `usage: npm run bench -- [--quick] [--only propagation,scale,churn,consul-scale] [flags]
  --quick                 smaller figures, a few minutes in all (defaults below are full / quick)
  --only LIST             run only these scenarios
  --profile               run our control plane with --cpu-prof (profiles in the run directory)
 propagation (real Envoys, our control plane against Consul's xDS)
  --envoys K              Envoys on ours (half SotW, half Delta) and K on Consul (${DEFAULTS.envoys.join(' / ')})
  --changes N             endpoint changes (register, health fail, health pass, deregister); each side is read on half (${DEFAULTS.changes.join(' / ')})
  --poll-ms               least pause between two reads of one Envoy's /clusters (2)
  --poll-concurrency      /clusters reads in flight at once, over all Envoys (4)
  --gap-ms                pause after every Envoy has converged, before the next change (250)
  --timeout-ms            longest one change may take to reach every Envoy (20000)
 scale (simulated ADS clients in separate processes)
  --clients N             simulated clients per protocol (${DEFAULTS.clients.join(' / ')})
  --services S            services in the catalog, each client subscribed to all (${DEFAULTS.services.join(' / ')})
  --scale-changes N       endpoint changes timed across all clients (${DEFAULTS['scale-changes'].join(' / ')})
  --peer-clients N        clients for the comparison with Consul's xDS, 0 to skip (${DEFAULTS['peer-clients'].join(' / ')})
  --no-storm              skip the reconnect storm (our control plane restarted under all N streams)
  --protocols LIST        our runs: sotw, delta or both (sotw,delta)
  --unchecked-instances   register the instances without a health check: each change then costs the control plane a read of every service
  --workers W             client processes (2)
  --baseline DIR          also measure the control plane of another built checkout (e.g. an earlier commit, via git worktree); consul-scale too
 churn (DSL reload with clients connected)
  --churn-clients N       connected clients (${DEFAULTS['churn-clients'].join(' / ')})
  --reloads N             config rewrites timed (${DEFAULTS.reloads.join(' / ')})
 consul-scale (a large catalog on a Consul agent with the default connection limit)
  --cs-services S         services in the catalog (${DEFAULTS['cs-services'].join(' / ')})
  --cs-changes N          register/deregister pairs timed, instance with a check (${DEFAULTS['cs-changes'].join(' / ')})
  --cs-unchecked-changes N  the same without a check (${DEFAULTS['cs-unchecked-changes'].join(' / ')})
  --bursts N              bursts of register, fail, pass, deregister on one instance (${DEFAULTS.bursts.join(' / ')})
  --compare-services S    a second, smaller catalog for the burst comparison, 0 to skip (${DEFAULTS['compare-services'].join(' / ')})
  (--baseline DIR also runs the burst comparison on the smaller catalog with that checkout's control plane)`;
