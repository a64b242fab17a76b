import { createHash } from 'node:crypto';
import { Type } from 'protobufjs';
import { messageType } from './protos';
import type { Resource } from './resource';
import type { TypeUrl } from './type-url';

const ANY = 'google.protobuf.Any';

/**
 * A resource object names a field its proto type does not have. protobufjs would drop
 * the field silently and Envoy would run without that setting, so translation fails
 * loudly instead, naming the path.
 */
export class UnknownFieldError extends Error {
  override readonly name = 'UnknownFieldError';
  constructor(
    readonly path: string,
    readonly typeName: string,
    readonly field: string,
  ) {
    super(`${path}: ${typeName} has no field "${field}". Fix the translator that built this resource.`);
  }
}

function checkFields(type: Type, value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  const object = value as Record<string, unknown>;
  let target = type;
  if (type.fullName === `.${ANY}` && typeof object['@type'] === 'string') target = messageType(object['@type']);
  for (const [key, child] of Object.entries(object)) {
    if (key === '@type' && target !== type) continue;
    const field = target.fields[key];
    if (!field) throw new UnknownFieldError(path, target.fullName.slice(1), key);
    const nested = field.resolve().resolvedType;
    if (!(nested instanceof Type)) continue;
    if (Array.isArray(child)) child.forEach((item, i) => checkFields(nested, item, `${path}.${key}[${i}]`));
    else if (field.map && child && typeof child === 'object')
      Object.entries(child).forEach(([k, v]) => checkFields(nested, v, `${path}.${key}["${k}"]`));
    else checkFields(nested, child, `${path}.${key}`);
  }
}

/** Encodes a message given as a plain object (snake_case fields, nested Anys with '@type'). */
export function encodeMessage(typeUrl: string, message: object, path = typeUrl.slice(typeUrl.lastIndexOf('.') + 1)): Buffer {
  const type = messageType(typeUrl);
  checkFields(type, message, path);
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

export function contentHash(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** Encodes a resource once; the bytes are shared by every stream that sends it. */
export function encodeResource(typeUrl: TypeUrl, name: string, message: object): Resource {
  const bytes = encodeMessage(typeUrl, message, name);
  return { typeUrl, name, version: contentHash(bytes), bytes };
}
