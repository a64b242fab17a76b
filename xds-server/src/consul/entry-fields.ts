import { goDurationMs } from './consul-duration';
import type { JsonObject, JsonShape } from './json-shape';

/** Readers shared by the config-entry parsers: Consul's conventions for unset and duration fields. */

/** Fields Consul always returns, or that say nothing about traffic. */
const BOOKKEEPING = new Set(['Kind', 'Name', 'Namespace', 'Partition', 'Meta', 'Hash', 'CreateIndex', 'ModifyIndex']);

/** Set fields of `object` outside `served`: Consul returns empty objects for many unset blocks. */
export function unsupportedFields(object: JsonObject, served: readonly string[], at: string): string[] {
  return Object.entries(object)
    .filter(([key, value]) => !BOOKKEEPING.has(key) && !served.includes(key) && isSet(value))
    .map(([key]) => `${at}${key}`);
}

function isSet(value: unknown): boolean {
  if (value === undefined || value === null || value === '' || value === false || value === 0) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isSet);
  return true;
}

export function optional(shape: JsonShape, value: unknown, at: string): string | undefined {
  const text = shape.optionalString(value, at);
  return text === '' ? undefined : text;
}

/** A duration Consul reads as text ("5s"); unset and zero are undefined. */
export function durationMs(shape: JsonShape, value: unknown, at: string): number | undefined {
  const text = optional(shape, value, at);
  if (text === undefined) return undefined;
  const ms = goDurationMs(text);
  if (ms === undefined) throw shape.error(at, 'a duration such as "5s"', value);
  return ms === 0 ? undefined : ms;
}

/**
 * A Go `time.Duration` field without Consul's text marshalling: written as "10s", read back
 * from the API as nanoseconds. Unset and zero are undefined.
 */
export function nanosecondsOrDurationMs(shape: JsonShape, value: unknown, at: string): number | undefined {
  if (typeof value === 'number') return value === 0 ? undefined : value / 1e6;
  return durationMs(shape, value, at);
}

/** A number field Consul omits or nulls when unset. */
export function optionalInteger(shape: JsonShape, value: unknown, at: string): number | undefined {
  return value === undefined || value === null ? undefined : shape.integer(value, at);
}

export interface HeaderModifiers {
  readonly add: Readonly<Record<string, string>>;
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

/** A `RequestHeaders` / `ResponseHeaders` block; one that changes nothing is undefined. */
export function headerModifiers(shape: JsonShape, value: unknown, at: string): HeaderModifiers | undefined {
  if (value === undefined || value === null) return undefined;
  const object = shape.object(value, at);
  const modifiers = { add: shape.stringMap(object.Add, `${at}.Add`), set: shape.stringMap(object.Set, `${at}.Set`), remove: shape.stringList(object.Remove, `${at}.Remove`) };
  return Object.keys(modifiers.add).length || Object.keys(modifiers.set).length || modifiers.remove.length ? modifiers : undefined;
}
