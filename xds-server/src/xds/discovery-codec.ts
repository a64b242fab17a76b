import { Reader, Writer, type Type } from 'protobufjs';
import { messageType } from '../resources/protos';
import type { NodeMessage } from './proxy-node';
import { MAX_RESOURCE_NAMES_PER_REQUEST, TooManyResourceNamesError, type WireDeltaResponse, type WireSotwRequest, type WireSotwResponse } from './wire';

/**
 * The hot path of every stream, encoded and decoded by hand with protobufjs's Writer and
 * Reader instead of proto-loader's object conversion: a response wraps resource bytes that
 * are already encoded, and an ACK on a SotW stream repeats its resource_names exactly, so
 * they are kept as raw bytes and decoded only when they differ from the last request's.
 * Field numbers are those of envoy/service/discovery/v3/discovery.proto.
 */

/** proto-loader's conversion options for the messages decoded the ordinary way (node, error_detail). */
const OBJECT_OPTIONS = { longs: String, enums: String, defaults: false, oneofs: true } as const;

let nodeType: Type | undefined;
let statusType: Type | undefined;

function decodeMessage(type: Type, bytes: Uint8Array): unknown {
  return type.toObject(type.decode(bytes), OBJECT_OPTIONS);
}

const WIRE_BYTES = 2;
const EMPTY = Buffer.alloc(0);

/** A DiscoveryRequest whose resource_names are decoded on first use. */
export interface LazySotwRequest extends WireSotwRequest {
  /** The raw bytes of every resource_names entry, in order: equal bytes, equal names. */
  readonly resource_names_key: Buffer;
}

/** protobufjs's Buffer reader cuts a string whose length runs past the end short, without complaint. */
function checkedString(reader: Reader): string {
  const length = reader.uint32();
  if (reader.pos + length > reader.len) throw new RangeError(`truncated: a string field of ${length} bytes runs past the end of the message`);
  const value = (reader.buf as Buffer).toString('utf8', reader.pos, reader.pos + length);
  reader.pos += length;
  return value;
}

export function decodeSotwRequest(buffer: Buffer): LazySotwRequest {
  const reader = Reader.create(buffer);
  let version_info = '';
  let type_url = '';
  let response_nonce = '';
  let node: NodeMessage | undefined;
  let error_detail: { code?: number; message?: string } | undefined;
  const ranges: Array<[number, number]> = [];
  let nameCount = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    const field = tag >>> 3;
    switch (field) {
      case 1:
        version_info = checkedString(reader);
        break;
      case 2:
        node = decodeMessage((nodeType ??= messageType('envoy.config.core.v3.Node')), reader.bytes()) as NodeMessage;
        break;
      case 3: {
        if (++nameCount > MAX_RESOURCE_NAMES_PER_REQUEST) throw new TooManyResourceNamesError(nameCount);
        const start = reader.pos;
        reader.skipType(WIRE_BYTES);
        const last = ranges[ranges.length - 1];
        // The tag of this entry sits between the previous entry and `start`: keep the run whole.
        if (last && last[1] === start - 1) last[1] = reader.pos;
        else ranges.push([start, reader.pos]);
        break;
      }
      case 4:
        type_url = checkedString(reader);
        break;
      case 5:
        response_nonce = checkedString(reader);
        break;
      case 6:
        error_detail = decodeMessage((statusType ??= messageType('google.rpc.Status')), reader.bytes()) as { code?: number; message?: string };
        break;
      default:
        reader.skipType(tag & 7);
    }
  }
  // Repeated fields are written back to back, so the entries are one run of bytes in practice.
  const contiguous = ranges.every(([start], i) => i === 0 || start === ranges[i - 1]![1]);
  const key =
    ranges.length === 0
      ? EMPTY
      : contiguous
        ? buffer.subarray(ranges[0]![0], ranges[ranges.length - 1]![1])
        : Buffer.concat(ranges.map(([a, b]) => buffer.subarray(a, b)));
  let names: string[] | undefined;
  return {
    version_info,
    type_url,
    response_nonce,
    ...(node ? { node } : {}),
    ...(error_detail ? { error_detail } : {}),
    resource_names_key: key,
    get resource_names(): string[] {
      if (names === undefined) {
        names = [];
        for (const [start, end] of ranges) {
          // A run holds entries and the tags between them: read string, skip tag, repeat.
          const run = Reader.create(buffer.subarray(start, end));
          names.push(run.string());
          while (run.pos < run.len) {
            run.uint32();
            names.push(run.string());
          }
        }
      }
      return names;
    },
  };
}

/** protobufjs's Writer gives a Buffer under Node; copying it again would be waste. */
function finished(writer: Writer): Buffer {
  const bytes = writer.finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A resource's encoding inside a response, kept beside its body: every stream sent one
 * snapshot's resource sends the same bytes, so they are encoded once per resource rather than
 * once per stream, already framed as the repeated field 2 that carries them (an Any in a SotW
 * response or a DeltaResource, a DeltaResource in a Delta response), so that a response is one
 * concatenation. Keyed by the body's Buffer, which the snapshot shares with every stream and
 * which is dropped with it.
 */
const anyFields = new WeakMap<Buffer, { typeUrl: string; field: Buffer }>();
const deltaResourceFields = new WeakMap<Buffer, { name: string; version: string; field: Buffer }>();

function lengthDelimited(field: number, bytes: Uint8Array): Buffer {
  return finished(Writer.create().uint32((field << 3) | WIRE_BYTES).bytes(bytes));
}

function anyField(typeUrl: string, value: Buffer): Buffer {
  const cached = anyFields.get(value);
  if (cached?.typeUrl === typeUrl) return cached.field;
  const field = lengthDelimited(2, finished(Writer.create().uint32((1 << 3) | WIRE_BYTES).string(typeUrl).uint32((2 << 3) | WIRE_BYTES).bytes(value)));
  anyFields.set(value, { typeUrl, field });
  return field;
}

function deltaResourceField(resource: WireDeltaResponse['resources'][number]): Buffer {
  const { name, version } = resource;
  const cached = deltaResourceFields.get(resource.resource.value);
  if (cached?.name === name && cached.version === version) return cached.field;
  const parts = [
    ...(version ? [finished(Writer.create().uint32((1 << 3) | WIRE_BYTES).string(version))] : []),
    anyField(resource.resource.type_url, resource.resource.value),
    finished(Writer.create().uint32((3 << 3) | WIRE_BYTES).string(name)),
  ];
  const field = lengthDelimited(2, Buffer.concat(parts));
  deltaResourceFields.set(resource.resource.value, { name, version, field });
  return field;
}

/** A length-delimited string field (field number below 16), encoded without a Writer. */
function stringField(field: number, value: string): Buffer {
  const length = Buffer.byteLength(value);
  let prefix = 2;
  for (let rest = length >>> 7; rest > 0; rest >>>= 7) prefix++;
  const out = Buffer.allocUnsafe(prefix + length);
  out[0] = (field << 3) | WIRE_BYTES;
  let pos = 1;
  let rest = length;
  while (rest > 0x7f) {
    out[pos++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  out[pos++] = rest;
  out.write(value, pos, 'utf8');
  return out;
}

/**
 * Encoded fields whose values repeat across responses: a view's version on every stream of
 * that view, the type URL and the control plane's identifier on every response. Bounded: it
 * starts afresh once full, as old snapshots' versions never come back.
 */
class RepeatedFields {
  private readonly fields = new Map<string, Buffer>();

  constructor(
    private readonly encode: (value: string) => Buffer,
    private readonly limit: number,
  ) {}

  get(value: string): Buffer {
    let bytes = this.fields.get(value);
    if (bytes === undefined) {
      if (this.fields.size >= this.limit) this.fields.clear();
      bytes = this.encode(value);
      this.fields.set(value, bytes);
    }
    return bytes;
  }
}

const VERSION_FIELDS = new RepeatedFields((version) => stringField(1, version), 16_384);
const TYPE_URL_FIELDS = new RepeatedFields((typeUrl) => stringField(4, typeUrl), 64);
const SOTW_CONTROL_PLANE = new RepeatedFields((identifier) => lengthDelimited(6, stringField(1, identifier)), 64);
const DELTA_CONTROL_PLANE = new RepeatedFields((identifier) => lengthDelimited(7, stringField(1, identifier)), 64);

export function encodeSotwResponse(response: WireSotwResponse): Buffer {
  const parts: Buffer[] = [];
  if (response.version_info) parts.push(VERSION_FIELDS.get(response.version_info));
  for (const any of response.resources) parts.push(anyField(any.type_url, any.value));
  if (response.type_url) parts.push(TYPE_URL_FIELDS.get(response.type_url));
  if (response.nonce) parts.push(stringField(5, response.nonce));
  parts.push(SOTW_CONTROL_PLANE.get(response.control_plane.identifier));
  return Buffer.concat(parts);
}

export function encodeDeltaResponse(response: WireDeltaResponse): Buffer {
  const parts: Buffer[] = [];
  if (response.system_version_info) parts.push(VERSION_FIELDS.get(response.system_version_info));
  for (const resource of response.resources) parts.push(deltaResourceField(resource));
  if (response.type_url) parts.push(TYPE_URL_FIELDS.get(response.type_url));
  if (response.nonce) parts.push(stringField(5, response.nonce));
  for (const name of response.removed_resources) parts.push(stringField(6, name));
  parts.push(DELTA_CONTROL_PLANE.get(response.control_plane.identifier));
  return Buffer.concat(parts);
}
