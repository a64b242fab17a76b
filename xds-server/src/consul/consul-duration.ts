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
