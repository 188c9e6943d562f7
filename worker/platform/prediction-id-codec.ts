import { LOG_ROUTES, type LogRoute } from "../vocabulary/index.ts";

/**
 * The facts a label needs about the prediction it labels: the prediction's summary key (model, version,
 * route, ts → bucket) and what was predicted. A sealed prediction id carries them, so feedback needs no
 * lookup of the prediction.
 */
export interface PredictionFacts {
  ts: number;
  model: string;
  version: string;
  route: LogRoute;
  /** Regression value, positive-class probability, or the predicted class's probability (multiclass). */
  output: number | null;
  label: string | null;
  /** Multiclass: every class probability, in the manifest's class order. */
  probabilities: number[] | null;
  interval: { level: number; lower: number; upper: number } | null;
}

/** Random bytes per id: two predictions with identical facts in the same millisecond still get distinct ids. */
export const NONCE_BYTES = 6;

const HAS_OUTPUT = 1 << 3;
const HAS_LABEL = 1 << 4;
const HAS_PROBABILITIES = 1 << 5;
const HAS_INTERVAL = 1 << 6;
const ROUTE_MASK = 0b111;
const OUTPUT_F32 = 1;
const PROBABILITIES_F32 = 2;
const INTERVAL_F32 = 4;
const MAX_STRING_BYTES = 255;
const MAX_CLASSES = 0xffff;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
/** The base64url alphabet is ASCII: decoding its bytes as UTF-8 is the identity. */
const latin1 = new TextDecoder();
const f32 = new Float32Array(1);

/** A float stored as float32 when that is exact (model outputs usually are), float64 otherwise: never rounded. */
const fitsF32 = (value: number): boolean => {
  f32[0] = value;
  return f32[0] === value;
};

/** Model, version and label strings repeat across ids: their UTF-8 bytes are cached (bounded). */
const utf8Cache = new Map<string, Uint8Array>();
const UTF8_CACHE_ENTRIES = 1_024;

function utf8(value: string): Uint8Array {
  let bytes = utf8Cache.get(value);
  if (!bytes) {
    if (utf8Cache.size >= UTF8_CACHE_ENTRIES) utf8Cache.clear();
    bytes = encoder.encode(value);
    utf8Cache.set(value, bytes);
  }
  return bytes;
}

/** Writes into a buffer of the exact size computed beforehand (one allocation per id). */
class Writer {
  private readonly view: DataView;
  readonly bytes: Uint8Array;
  length = 0;

  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(value: number): void {
    this.view.setUint8(this.length, value);
    this.length += 1;
  }
  u16(value: number): void {
    this.view.setUint16(this.length, value);
    this.length += 2;
  }
  u48(value: number): void {
    this.view.setUint16(this.length, Math.floor(value / 2 ** 32));
    this.view.setUint32(this.length + 2, value % 2 ** 32);
    this.length += 6;
  }
  float(value: number, single: boolean): void {
    if (single) this.view.setFloat32(this.length, value);
    else this.view.setFloat64(this.length, value);
    this.length += single ? 4 : 8;
  }
  raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }
  string(bytes: Uint8Array): void {
    this.u8(bytes.length);
    this.raw(bytes);
  }
}

function checkedUtf8(value: string, field: string): Uint8Array {
  const bytes = utf8(value);
  if (bytes.length > MAX_STRING_BYTES) throw new RangeError(`${field} longer than ${MAX_STRING_BYTES} bytes`);
  return bytes;
}

class Reader {
  private offset = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(count: number): number {
    const at = this.offset;
    if (at + count > this.bytes.length) throw new RangeError("truncated");
    this.offset += count;
    return at;
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2));
  }
  u48(): number {
    const at = this.need(6);
    return this.view.getUint16(at) * 2 ** 32 + this.view.getUint32(at + 2);
  }
  float(single: boolean): number {
    return single ? this.view.getFloat32(this.need(4)) : this.view.getFloat64(this.need(8));
  }
  skip(count: number): void {
    this.need(count);
  }
  string(): string {
    const length = this.u8();
    const at = this.need(length);
    return decoder.decode(this.bytes.subarray(at, at + length));
  }
  get atEnd(): boolean {
    return this.offset === this.bytes.length;
  }
}

/**
 * The payload of a sealed id (everything before the MAC): key id, ts (48-bit ms), nonce, a flags byte
 * (route index + which parts are present), a float-width byte, model, version, then the present parts.
 */
export function encodeFacts(
  keyId: number,
  facts: PredictionFacts,
  nonce: Uint8Array,
  /** Spare bytes left zero at the end (the sealer writes its MAC there: no copy). */
  reserve = 0,
): Uint8Array {
  const routeIndex = LOG_ROUTES.indexOf(facts.route);
  if (routeIndex < 0) throw new RangeError(`unknown route ${facts.route}`);
  if (!Number.isInteger(facts.ts) || facts.ts < 0 || facts.ts >= 2 ** 48)
    throw new RangeError("ts out of range");
  const probabilities = facts.probabilities ?? null;
  if (probabilities && probabilities.length > MAX_CLASSES) throw new RangeError("too many classes");
  const { output, label, interval } = facts;
  const flags =
    routeIndex |
    (output === null ? 0 : HAS_OUTPUT) |
    (label === null ? 0 : HAS_LABEL) |
    (probabilities ? HAS_PROBABILITIES : 0) |
    (interval ? HAS_INTERVAL : 0);
  const widths =
    (output !== null && fitsF32(output) ? OUTPUT_F32 : 0) |
    (probabilities?.every(fitsF32) ? PROBABILITIES_F32 : 0) |
    (interval && fitsF32(interval.level) && fitsF32(interval.lower) && fitsF32(interval.upper)
      ? INTERVAL_F32
      : 0);
  const model = checkedUtf8(facts.model, "model");
  const version = checkedUtf8(facts.version, "version");
  const labelBytes = label === null ? null : checkedUtf8(label, "label");
  const size =
    1 +
    6 +
    nonce.length +
    2 +
    1 +
    model.length +
    1 +
    version.length +
    (output === null ? 0 : widths & OUTPUT_F32 ? 4 : 8) +
    (labelBytes ? 1 + labelBytes.length : 0) +
    (probabilities ? 2 + probabilities.length * (widths & PROBABILITIES_F32 ? 4 : 8) : 0) +
    (interval ? (widths & INTERVAL_F32 ? 12 : 24) : 0);
  const out = new Writer(size + reserve);
  out.u8(keyId);
  out.u48(facts.ts);
  out.raw(nonce);
  out.u8(flags);
  out.u8(widths);
  out.string(model);
  out.string(version);
  if (output !== null) out.float(output, (widths & OUTPUT_F32) !== 0);
  if (labelBytes) out.string(labelBytes);
  if (probabilities) {
    out.u16(probabilities.length);
    for (const p of probabilities) out.float(p, (widths & PROBABILITIES_F32) !== 0);
  }
  if (interval) {
    const single = (widths & INTERVAL_F32) !== 0;
    out.float(interval.level, single);
    out.float(interval.lower, single);
    out.float(interval.upper, single);
  }
  return out.bytes;
}

/** The key id byte of a payload (before the MAC is checked). */
export const keyIdOf = (payload: Uint8Array): number | null => payload[0] ?? null;

/** Reads a payload written by encodeFacts; throws RangeError on anything malformed. */
export function decodeFacts(payload: Uint8Array): PredictionFacts {
  const input = new Reader(payload);
  input.u8();
  const ts = input.u48();
  input.skip(NONCE_BYTES);
  const flags = input.u8();
  const widths = input.u8();
  const route = LOG_ROUTES[flags & ROUTE_MASK];
  if (!route || flags & 0b1000_0000 || widths & ~0b111) throw new RangeError("unknown flags");
  const model = input.string();
  const version = input.string();
  const output = flags & HAS_OUTPUT ? input.float((widths & OUTPUT_F32) !== 0) : null;
  const label = flags & HAS_LABEL ? input.string() : null;
  let probabilities: number[] | null = null;
  if (flags & HAS_PROBABILITIES) {
    const count = input.u16();
    probabilities = [];
    for (let index = 0; index < count; index += 1) {
      probabilities.push(input.float((widths & PROBABILITIES_F32) !== 0));
    }
  }
  let interval: PredictionFacts["interval"] = null;
  if (flags & HAS_INTERVAL) {
    const single = (widths & INTERVAL_F32) !== 0;
    interval = { level: input.float(single), lower: input.float(single), upper: input.float(single) };
  }
  if (!input.atEnd) throw new RangeError("trailing bytes");
  return { ts, model, version, route, output, label, probabilities, interval };
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const CODES = Uint8Array.from(ALPHABET, (char) => char.charCodeAt(0));

/** base64url without padding, straight from a lookup table (no btoa round trip). */
export function toBase64Url(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil((bytes.length * 4) / 3));
  let at = 0;
  let index = 0;
  for (; index + 2 < bytes.length; index += 3) {
    const word = ((bytes[index] ?? 0) << 16) | ((bytes[index + 1] ?? 0) << 8) | (bytes[index + 2] ?? 0);
    out[at++] = CODES[word >>> 18] ?? 0;
    out[at++] = CODES[(word >>> 12) & 63] ?? 0;
    out[at++] = CODES[(word >>> 6) & 63] ?? 0;
    out[at++] = CODES[word & 63] ?? 0;
  }
  const rest = bytes.length - index;
  if (rest > 0) {
    const word = ((bytes[index] ?? 0) << 16) | (rest === 2 ? (bytes[index + 1] ?? 0) << 8 : 0);
    out[at++] = CODES[word >>> 18] ?? 0;
    out[at++] = CODES[(word >>> 12) & 63] ?? 0;
    if (rest === 2) out[at++] = CODES[(word >>> 6) & 63] ?? 0;
  }
  return latin1.decode(out.subarray(0, at));
}

/** null when the text is not base64url. */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
