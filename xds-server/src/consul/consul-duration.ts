import { ConsulConfigError } from './consul-errors';

/** Consul caps the `wait` of a blocking query at 10 minutes. */
export const MAX_CONSUL_WAIT_MS = 10 * 60_000;

const UNIT_MS = { ms: 1, s: 1000, m: 60_000 } as const;

/** Milliseconds of a Consul `wait` value such as "55s", "5m" or "500ms". */
export function parseConsulWait(wait: string): number {
  const match = /^(\d+)(ms|s|m)$/.exec(wait);
  const amount = match?.[1];
  const unit = match?.[2] as keyof typeof UNIT_MS | undefined;
  if (amount === undefined || unit === undefined) {
    throw new ConsulConfigError('blocking query wait', wait, 'a whole number with unit ms, s or m, e.g. "55s"');
  }
  const ms = Number(amount) * UNIT_MS[unit];
  if (ms <= 0 || ms > MAX_CONSUL_WAIT_MS) {
    throw new ConsulConfigError('blocking query wait', wait, 'a duration above 0 and at most 10m (Consul caps it there)');
  }
  return ms;
}

const GO_UNIT_MS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Milliseconds of a Go duration as Consul's JSON gives it ("3s", "1m30s", "1.5s", "250ms");
 * undefined for a malformed one, which the caller reports with its field path.
 */
export function goDurationMs(value: string): number | undefined {
  if (value === '0' || value === '') return 0;
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) return undefined;
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * (GO_UNIT_MS[unit!] ?? 0), 0);
}
