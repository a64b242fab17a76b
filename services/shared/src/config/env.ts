import { readFileSync } from 'node:fs';
/** Typed readers for environment variables; every failure names the variable and what it accepts. */
export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    expected: string,
  ) {
    super(`Environment variable ${variable}=${JSON.stringify(value)} is invalid: expected ${expected}. Fix or unset it (services/README.md lists the defaults).`);
    this.name = 'ConfigError';
  }
}

function raw(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function envString(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function envOptionalString(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function envInt(env: Env, name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const min = range.min ?? Number.MIN_SAFE_INTEGER;
  const max = range.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, value, `an integer between ${min} and ${max}`);
  const parsed = Number(value);
  if (parsed < min || parsed > max) throw new ConfigError(name, value, `an integer between ${min} and ${max}`);
  return parsed;
}

export function envPort(env: Env, name: string, fallback: number): number {
  return envInt(env, name, fallback, { min: 1, max: 65535 });
}

export function envNumber(env: Env, name: string, fallback: number, range: { min: number; max: number }): number {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < range.min || parsed > range.max) {
    throw new ConfigError(name, value, `a number between ${range.min} and ${range.max}`);
  }
  return parsed;
}

export function envBool(env: Env, name: string, fallback: boolean): boolean {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const lower = value.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(name, value, 'true or false');
}

/** `50-300` or `120` (a fixed value), in milliseconds. */
export function envRange(env: Env, name: string, fallback: { min: number; max: number }): { min: number; max: number } {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  const match = /^(\d+)(?:-(\d+))?$/.exec(value);
  if (!match) throw new ConfigError(name, value, 'milliseconds as "min-max" (e.g. 50-300) or a single value');
  const min = Number(match[1]);
  const max = match[2] === undefined ? min : Number(match[2]);
  if (max < min) throw new ConfigError(name, value, 'a range whose maximum is not below its minimum');
  return { min, max };
}

/** A Consul-style duration (`500ms`, `2s`, `1m`, `1h`). */
export function envDuration(env: Env, name: string, fallback: string): string {
  const value = raw(env, name) ?? fallback;
  if (!/^\d+(ms|s|m|h)$/.test(value)) throw new ConfigError(name, value, 'a duration such as 500ms, 2s, 1m or 1h');
  return value;
}

/**
 * A secret given as `<name>` or, as Consul's CLI takes its token, as the contents of the file
 * `<name>_FILE` names (so that it sits in neither a unit file nor the process environment).
 */
export function envSecret(env: Env, name: string): string | undefined {
  const direct = raw(env, name);
  if (direct !== undefined) return direct;
  const file = raw(env, `${name}_FILE`);
  if (file === undefined) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch (error) {
    throw new ConfigError(`${name}_FILE`, file, `a readable file (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}
