import { messageType } from './protos';
import type { Resource } from './resource';

/** A JSON-ish view of a decoded message, with every nested Any expanded and tagged with '@type'. */
// Test-only: assertions walk into decoded messages freely.
export type Decoded = Record<string, any>;

function expandAnys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandAnys);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || value instanceof Uint8Array) return value;
  const object = value as Record<string, unknown>;
  if (typeof object.type_url === 'string' && object.value instanceof Uint8Array) {
    return { '@type': object.type_url, ...(decodeMessage(object.type_url, Buffer.from(object.value)) as object) };
  }
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, expandAnys(v)]));
}

export function decodeMessage(typeUrl: string, bytes: Buffer): Decoded {
  const type = messageType(typeUrl);
  return expandAnys(type.toObject(type.decode(bytes), { enums: String, longs: Number, defaults: false })) as Decoded;
}

/** Decodes an encoded resource the way a proxy would see it. */
export function decodeResource(resource: Resource | undefined): Decoded {
  if (!resource) throw new Error('no such resource');
  return decodeMessage(resource.typeUrl, resource.bytes);
}

/** A decoded google.protobuf.Duration in milliseconds; undefined when absent. */
export function durationMs(value: { seconds?: number; nanos?: number } | undefined): number | undefined {
  return value === undefined ? undefined : (value.seconds ?? 0) * 1000 + (value.nanos ?? 0) / 1_000_000;
}
