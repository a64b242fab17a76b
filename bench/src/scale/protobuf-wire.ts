/**
 * Just enough of the protobuf wire format to speak xDS without decoding whole resources:
 * the simulated clients only need a response's envelope and a few fields of each resource,
 * and thousands of them share two cores with the server they measure.
 */

export class ProtobufWireError extends Error {
  override readonly name = 'ProtobufWireError';
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** One field as it appears on the wire; `bytes` is a view into the message for wire type 2. */
export interface WireField {
  field: number;
  wireType: number;
  varint: number;
  bytes: Buffer;
}

function readVarint(buf: Buffer, pos: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    if (pos >= buf.length) throw new ProtobufWireError('truncated varint');
    const byte = buf[pos++] as number;
    // Multiplication keeps values above 2^31 exact; xDS varints stay far below 2^53.
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, pos];
    shift += 7;
    if (shift > 63) throw new ProtobufWireError('varint longer than 10 bytes');
  }
}

const EMPTY = Buffer.alloc(0);

/** Calls `visit` for each top-level field of `buf`, in wire order. */
export function forEachField(buf: Buffer, visit: (f: WireField) => void): void {
  let pos = 0;
  const scratch: WireField = { field: 0, wireType: 0, varint: 0, bytes: EMPTY };
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    scratch.field = Math.floor(key / 8);
    scratch.wireType = key & 7;
    scratch.varint = 0;
    scratch.bytes = EMPTY;
    switch (scratch.wireType) {
      case WIRE_VARINT: {
        [scratch.varint, pos] = readVarint(buf, pos);
        break;
      }
      case WIRE_FIXED64:
        pos += 8;
        break;
      case WIRE_FIXED32:
        pos += 4;
        break;
      case WIRE_BYTES: {
        const [length, start] = readVarint(buf, pos);
        if (start + length > buf.length) throw new ProtobufWireError(`field ${scratch.field}: length ${length} runs past the message`);
        scratch.bytes = buf.subarray(start, start + length);
        pos = start + length;
        break;
      }
      default:
        throw new ProtobufWireError(`field ${scratch.field}: unsupported wire type ${scratch.wireType}`);
    }
    visit(scratch);
  }
}

/** Builds a message field by field. */
export class MessageWriter {
  private readonly parts: Buffer[] = [];

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  private varint(value: number): void {
    const bytes: number[] = [];
    let v = value;
    while (v > 0x7f) {
      bytes.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    bytes.push(v);
    this.parts.push(Buffer.from(bytes));
  }

  uint(field: number, value: number): this {
    if (value === 0) return this;
    this.key(field, WIRE_VARINT);
    this.varint(value);
    return this;
  }

  bytes(field: number, value: Buffer): this {
    this.key(field, WIRE_BYTES);
    this.varint(value.length);
    this.parts.push(value);
    return this;
  }

  string(field: number, value: string | undefined): this {
    if (value === undefined || value === '') return this;
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  strings(field: number, values: Iterable<string>): this {
    for (const value of values) this.bytes(field, Buffer.from(value, 'utf8'));
    return this;
  }

  message(field: number, value: MessageWriter | undefined): this {
    if (value === undefined) return this;
    return this.bytes(field, value.finish());
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
