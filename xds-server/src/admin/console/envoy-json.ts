import { Enum, Type, type Field } from 'protobufjs';
import { messageType } from '../../resources/protos';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map((n) => `.google.protobuf.${n}`));

/**
 * An encoded resource in the JSON form Envoy's `/config_dump` prints (the proto3 JSON
 * mapping with the proto's own field names): Any expanded with `@type`, Duration as "1.5s",
 * wrappers as plain values, Struct as plain JSON, 64-bit integers as strings. Fields at
 * their default are absent, as in Envoy's output.
 */
export function envoyJson(typeUrl: string, bytes: Uint8Array): Json {
  const type = messageType(typeUrl);
  return convertMessage(type, type.toObject(type.decode(bytes), { enums: String, longs: String, bytes: String, defaults: false }));
}

function convertMessage(type: Type, value: Record<string, unknown>): Json {
  const name = type.fullName;
  if (name === '.google.protobuf.Any') return convertAny(value);
  if (name === '.google.protobuf.Duration' || name === '.google.protobuf.Timestamp') return durationText(value);
  if (WRAPPERS.has(name)) return scalar(value.value ?? (name.endsWith('BoolValue') ? false : name.endsWith('StringValue') || name.endsWith('BytesValue') ? '' : 0));
  if (name === '.google.protobuf.Struct') return structJson(value);
  const out: Record<string, Json> = {};
  for (const field of type.fieldsArray) {
    const raw = value[field.name];
    if (raw === undefined || raw === null) continue;
    if (isEnumDefault(field, raw)) continue;
    out[field.name] = convertField(field, raw);
  }
  return out;
}

/**
 * protobufjs writes an enum set to its zero value, where Envoy's JSON leaves it out; a member
 * of a oneof is kept, since there being set is what it says.
 */
function isEnumDefault(field: Field, raw: unknown): boolean {
  field.resolve();
  if (!(field.resolvedType instanceof Enum) || field.repeated || field.partOf) return false;
  return field.resolvedType.values[String(raw)] === 0 || raw === 0;
}

function convertField(field: Field, raw: unknown): Json {
  field.resolve();
  const resolved = field.resolvedType;
  const one = (v: unknown): Json => (resolved instanceof Type ? convertMessage(resolved, v as Record<string, unknown>) : scalar(v));
  if (field.map) return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([k, v]) => [k, one(v)]));
  if (field.repeated) return (raw as unknown[]).map(one);
  return one(raw);
}

function convertAny(value: Record<string, unknown>): Json {
  const typeUrl = String(value.type_url ?? '');
  const bytes = value.value;
  try {
    const decoded = envoyJson(typeUrl, typeof bytes === 'string' ? Buffer.from(bytes, 'base64') : (bytes as Uint8Array));
    return { '@type': typeUrl, ...(decoded as Record<string, Json>) };
  } catch {
    return { '@type': typeUrl, value: typeof bytes === 'string' ? bytes : Buffer.from(bytes as Uint8Array).toString('base64') };
  }
}

function durationText(value: Record<string, unknown>): string {
  const seconds = Number(value.seconds ?? 0) + Number(value.nanos ?? 0) / 1e9;
  return `${Number(seconds.toFixed(9))}s`;
}

function structJson(value: Record<string, unknown>): Json {
  const fields = (value.fields ?? {}) as Record<string, Record<string, unknown>>;
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, structValue(v)]));
}

function structValue(v: Record<string, unknown>): Json {
  if (v.structValue) return structJson(v.structValue as Record<string, unknown>);
  if (v.listValue) return (((v.listValue as { values?: Record<string, unknown>[] }).values ?? []) as Record<string, unknown>[]).map(structValue);
  if (v.stringValue !== undefined) return String(v.stringValue);
  if (v.numberValue !== undefined) return Number(v.numberValue);
  if (v.boolValue !== undefined) return Boolean(v.boolValue);
  // protobufjs names the fields as the proto does when the root keeps case.
  if (v.struct_value) return structJson(v.struct_value as Record<string, unknown>);
  if (v.list_value) return (((v.list_value as { values?: Record<string, unknown>[] }).values ?? []) as Record<string, unknown>[]).map(structValue);
  if (v.string_value !== undefined) return String(v.string_value);
  if (v.number_value !== undefined) return Number(v.number_value);
  if (v.bool_value !== undefined) return Boolean(v.bool_value);
  return null;
}

function scalar(v: unknown): Json {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return String(v);
}
