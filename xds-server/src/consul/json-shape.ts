import { ConsulResponseError } from './consul-errors';

/**
 * Readers for untyped JSON from Consul that fail with the exact field path (`[2].Service.Port`)
 * instead of letting a wrong shape surface later as `undefined` somewhere in the translator.
 */
export type JsonObject = Readonly<Record<string, unknown>>;

export class JsonShape {
  constructor(readonly path: string) {}

  object(value: unknown, at: string): JsonObject {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.error(at, 'an object', value);
    return value as JsonObject;
  }

  array(value: unknown, at: string): readonly unknown[] {
    if (!Array.isArray(value)) throw this.error(at, 'an array', value);
    return value;
  }

  string(value: unknown, at: string): string {
    if (typeof value !== 'string') throw this.error(at, 'a string', value);
    return value;
  }

  /** Consul omits or nulls empty strings in some versions; both read as ''. */
  optionalString(value: unknown, at: string): string {
    return value === undefined || value === null ? '' : this.string(value, at);
  }

  integer(value: unknown, at: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) throw this.error(at, 'an integer', value);
    return value;
  }

  /** Go marshals a nil slice as null. */
  stringList(value: unknown, at: string): readonly string[] {
    if (value === undefined || value === null) return [];
    return this.array(value, at).map((item, i) => this.string(item, `${at}[${i}]`));
  }

  /** Go marshals a nil map as null. */
  stringMap(value: unknown, at: string): Readonly<Record<string, string>> {
    if (value === undefined || value === null) return {};
    const object = this.object(value, at);
    const out: Record<string, string> = {};
    for (const key of Object.keys(object).sort()) out[key] = this.string(object[key], `${at}.${key}`);
    return out;
  }

  error(at: string, expected: string, value: unknown): ConsulResponseError {
    const seen = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
    return new ConsulResponseError(this.path, `${at === '' ? 'the body' : at} should be ${expected}, got ${seen}`);
  }
}
