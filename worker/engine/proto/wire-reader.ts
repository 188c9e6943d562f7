import { InvalidModelError } from "../errors.ts";

export const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const TWO_POW_32 = 4294967296;
const utf8 = new TextDecoder("utf-8");

/**
 * A bounds-checked reader of protobuf wire format over one byte range.
 * Every read checks the range; malformed input throws InvalidModelError, never loops forever.
 */
export class WireReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;
  private low = 0;
  private high = 0;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  fail(message: string): never {
    throw new InvalidModelError(`malformed protobuf at byte ${this.pos}: ${message}`);
  }

  /** Reads a varint into this.low/this.high (unsigned 32-bit halves). */
  private readVarintParts(): void {
    let low = 0;
    let high = 0;
    let shift = 0;
    for (let index = 0; index < 10; index++) {
      if (this.pos >= this.end) this.fail("truncated varint");
      const byte = this.bytes[this.pos++] as number;
      if (shift < 28) low |= (byte & 0x7f) << shift;
      else if (shift === 28) {
        low |= (byte & 0x0f) << 28;
        high |= (byte & 0x7f) >>> 4;
      } else high |= (byte & 0x7f) << (shift - 32);
      if ((byte & 0x80) === 0) {
        this.low = low >>> 0;
        this.high = high >>> 0;
        return;
      }
      shift += 7;
    }
    this.fail("varint longer than 10 bytes");
  }

  /** A varint as an unsigned 32-bit number (tags, lengths, enums); larger values fail. */
  uint32(): number {
    this.readVarintParts();
    if (this.high !== 0) this.fail("varint does not fit 32 bits");
    return this.low;
  }

  /** A varint as a signed 64-bit integer in a JS number (exact up to 2^53). */
  int64Number(): number {
    this.readVarintParts();
    if (this.high & 0x80000000) {
      const high = ~this.high >>> 0;
      const low = ~this.low >>> 0;
      return -(high * TWO_POW_32 + low + 1);
    }
    return this.high * TWO_POW_32 + this.low;
  }

  int64BigInt(): bigint {
    this.readVarintParts();
    return BigInt.asIntN(64, (BigInt(this.high) << 32n) | BigInt(this.low));
  }

  uint64BigInt(): bigint {
    this.readVarintParts();
    return (BigInt(this.high) << 32n) | BigInt(this.low);
  }

  float32(): number {
    if (this.pos + 4 > this.end) this.fail("truncated fixed32");
    const value = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return value;
  }

  float64(): number {
    if (this.pos + 8 > this.end) this.fail("truncated fixed64");
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** Reads a length prefix and returns [start, end) of the payload, advancing past it. */
  lengthDelimited(): [number, number] {
    const length = this.uint32();
    const start = this.pos;
    if (length > this.end - start) this.fail("length-delimited field runs past its message");
    this.pos = start + length;
    return [start, start + length];
  }

  bytesField(): Uint8Array {
    const [start, end] = this.lengthDelimited();
    return this.bytes.subarray(start, end);
  }

  string(): string {
    const [start, end] = this.lengthDelimited();
    return utf8.decode(this.bytes.subarray(start, end));
  }

  /** Returns [field number, wire type]. */
  tag(): [number, number] {
    const tag = this.uint32();
    const field = tag >>> 3;
    if (field === 0) this.fail("field number 0");
    return [field, tag & 7];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.readVarintParts();
        return;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) this.fail("truncated fixed64");
        this.pos += 8;
        return;
      case WIRE_LENGTH_DELIMITED:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) this.fail("truncated fixed32");
        this.pos += 4;
        return;
      default:
        this.fail(`unsupported wire type ${wireType}`);
    }
  }

  sub(range: [number, number]): WireReader {
    return new WireReader(this.bytes, range[0], range[1]);
  }
}

/** A repeated bytes/string field kept as offsets into the model bytes: no object per element. */
export class StringList {
  readonly bytes: Uint8Array;
  private bounds = new Int32Array(16);
  length = 0;
  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }
  read(reader: WireReader): void {
    const [start, end] = reader.lengthDelimited();
    if (this.length * 2 + 2 > this.bounds.length) {
      const next = new Int32Array(this.bounds.length * 2);
      next.set(this.bounds);
      this.bounds = next;
    }
    this.bounds[this.length * 2] = start;
    this.bounds[this.length * 2 + 1] = end;
    this.length++;
  }
  bytesAt(index: number): Uint8Array {
    return this.bytes.subarray(this.bounds[index * 2] as number, this.bounds[index * 2 + 1] as number);
  }
  get(index: number): string {
    return utf8.decode(this.bytesAt(index));
  }
  toArray(): string[] {
    return Array.from({ length: this.length }, (_, index) => this.get(index));
  }
  /** Each element's position in `table` (compared as UTF-8 bytes), or -1. */
  codes(table: readonly string[]): Int16Array {
    const encoded = table.map((entry) => new TextEncoder().encode(entry));
    const out = new Int16Array(this.length);
    for (let i = 0; i < this.length; i++) {
      const start = this.bounds[i * 2] as number;
      const size = (this.bounds[i * 2 + 1] as number) - start;
      out[i] = -1;
      for (let k = 0; k < encoded.length; k++) {
        const candidate = encoded[k] as Uint8Array;
        if (candidate.length !== size) continue;
        let same = true;
        for (let b = 0; b < size && same; b++) same = this.bytes[start + b] === candidate[b];
        if (same) {
          out[i] = k;
          break;
        }
      }
    }
    return out;
  }
}

/** Typed-array accumulators for repeated numeric fields, packed or not. */
export class Float32List {
  private data = new Float32Array(8);
  length = 0;
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const next = new Float32Array(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  read(reader: WireReader, wireType: number): void {
    if (wireType === WIRE_FIXED32) {
      this.reserve(1);
      this.data[this.length++] = reader.float32();
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const [start, end] = reader.lengthDelimited();
      if ((end - start) % 4 !== 0) reader.fail("packed float length is not a multiple of 4");
      const count = (end - start) / 4;
      this.reserve(count);
      for (let i = 0; i < count; i++) this.data[this.length++] = reader.view.getFloat32(start + i * 4, true);
    } else reader.fail("float field with the wrong wire type");
  }
  finish(): Float32Array {
    return this.data.slice(0, this.length);
  }
}

export class Float64List {
  private data = new Float64Array(8);
  length = 0;
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const next = new Float64Array(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  push(value: number): void {
    this.reserve(1);
    this.data[this.length++] = value;
  }
  /** A double field (fixed64). */
  readDouble(reader: WireReader, wireType: number): void {
    if (wireType === WIRE_FIXED64) this.push(reader.float64());
    else if (wireType === WIRE_LENGTH_DELIMITED) {
      const [start, end] = reader.lengthDelimited();
      if ((end - start) % 8 !== 0) reader.fail("packed double length is not a multiple of 8");
      const count = (end - start) / 8;
      this.reserve(count);
      for (let i = 0; i < count; i++) this.data[this.length++] = reader.view.getFloat64(start + i * 8, true);
    } else reader.fail("double field with the wrong wire type");
  }
  /** An int64/int32 varint field read as numbers. */
  readVarint(reader: WireReader, wireType: number): void {
    if (wireType === WIRE_VARINT) this.push(reader.int64Number());
    else if (wireType === WIRE_LENGTH_DELIMITED) {
      const range = reader.lengthDelimited();
      let count = 0;
      for (let i = range[0]; i < range[1]; i++) if ((reader.bytes[i] as number) < 0x80) count++;
      this.reserve(count);
      const packed = reader.sub(range);
      while (!packed.done) this.push(packed.int64Number());
    } else reader.fail("varint field with the wrong wire type");
  }
  finish(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

export class BigInt64List {
  private data = new BigInt64Array(8);
  length = 0;
  private reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const next = new BigInt64Array(Math.max(this.data.length * 2, this.length + extra));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
  read(reader: WireReader, wireType: number, unsigned = false): void {
    const one = () => (unsigned ? BigInt.asIntN(64, reader.uint64BigInt()) : reader.int64BigInt());
    if (wireType === WIRE_VARINT) {
      this.reserve(1);
      this.data[this.length++] = one();
    } else if (wireType === WIRE_LENGTH_DELIMITED) {
      const range = reader.lengthDelimited();
      const packed = reader.sub(range);
      while (!packed.done) {
        this.reserve(1);
        this.data[this.length++] = unsigned ? BigInt.asIntN(64, packed.uint64BigInt()) : packed.int64BigInt();
      }
    } else reader.fail("int64 field with the wrong wire type");
  }
  finish(): BigInt64Array {
    return this.data.slice(0, this.length);
  }
}
