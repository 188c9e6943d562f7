import { InvalidModelError } from "../errors.ts";
import type { ArrayData } from "../ops/op-types.ts";

/** Bump whenever the binary layout or the meaning of a step's params/arrays changes. */
export const COMPACT_FORMAT_VERSION = 1;

const MAGIC = "EDGE-ENG";
const PREAMBLE_BYTES = 24;
const ALIGNMENT = 8;

export type SectionKind = "f32" | "f64" | "i32" | "u8" | "u16" | "i64";

export interface SectionEntry {
  kind: SectionKind;
  offset: number;
  length: number;
}

const WIDTH: Record<SectionKind, number> = { f32: 4, f64: 8, i32: 4, u8: 1, u16: 2, i64: 8 };

function sectionKind(array: ArrayData): SectionKind {
  if (array instanceof Float32Array) return "f32";
  if (array instanceof Float64Array) return "f64";
  if (array instanceof Int32Array) return "i32";
  if (array instanceof Uint8Array) return "u8";
  if (array instanceof Uint16Array) return "u16";
  return "i64";
}

function align(value: number): number {
  return Math.ceil(value / ALIGNMENT) * ALIGNMENT;
}

/** FNV-1a over bytes: catches a damaged header cheaply (the sections are validated structurally). */
function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash >>> 0;
}

/** JSON that keeps NaN, ±Infinity and -0 (Imputer and LabelEncoder attributes carry them). */
function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => {
    if (typeof item !== "number") return item;
    if (Number.isNaN(item)) return { $n: "NaN" };
    if (item === Infinity) return { $n: "Infinity" };
    if (item === -Infinity) return { $n: "-Infinity" };
    if (Object.is(item, -0)) return { $n: "-0" };
    return item;
  });
}

function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, item) => {
    if (
      item &&
      typeof item === "object" &&
      !Array.isArray(item) &&
      typeof item.$n === "string" &&
      Object.keys(item).length === 1
    )
      return Number(item.$n === "-0" ? "-0" : item.$n);
    return item;
  });
}

/** Lays out the header and the 8-byte-aligned sections; `buildHeader` receives the section table. */
export function writeCompiled(
  arrays: ArrayData[],
  buildHeader: (sections: SectionEntry[]) => unknown,
): Uint8Array {
  // The header's length depends on the offsets, which depend on the header's length: iterate to a fixed point.
  let headerBytes: Uint8Array = new Uint8Array(0);
  let sections: SectionEntry[] = [];
  for (let attempt = 0; attempt < 8; attempt++) {
    let offset = align(PREAMBLE_BYTES + headerBytes.length);
    sections = arrays.map((array) => {
      const entry: SectionEntry = { kind: sectionKind(array), offset, length: array.length };
      offset = align(offset + array.byteLength);
      return entry;
    });
    const next = new TextEncoder().encode(encodeJson(buildHeader(sections)));
    if (align(PREAMBLE_BYTES + next.length) === align(PREAMBLE_BYTES + headerBytes.length)) {
      headerBytes = next;
      break;
    }
    headerBytes = next;
  }
  const last = sections.at(-1);
  const total = last
    ? align(last.offset + last.length * WIDTH[last.kind])
    : align(PREAMBLE_BYTES + headerBytes.length);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, COMPACT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  view.setUint32(16, fnv1a(headerBytes), true);
  view.setUint32(20, total, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  arrays.forEach((array, index) => {
    const entry = sections[index] as SectionEntry;
    if (entry.offset < PREAMBLE_BYTES + headerBytes.length)
      throw new Error("compiled header overlaps its sections");
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), entry.offset);
  });
  return out;
}

/** The format version in a compiled buffer's preamble, or null when it is not a compiled artifact. */
export function compiledFormatVersion(compiled: Uint8Array): number | null {
  if (!(compiled instanceof Uint8Array) || compiled.length < PREAMBLE_BYTES) return null;
  for (let i = 0; i < MAGIC.length; i++) if (compiled[i] !== MAGIC.charCodeAt(i)) return null;
  return new DataView(compiled.buffer, compiled.byteOffset, compiled.byteLength).getUint32(8, true);
}

interface RawCompiled {
  header: unknown;
  headerBytes: number;
  sections: ArrayData[];
  /** The bytes the section views keep alive. */
  bufferBytes: number;
}

function viewOf(buffer: ArrayBuffer, base: number, entry: SectionEntry): ArrayData {
  const offset = base + entry.offset;
  switch (entry.kind) {
    case "f32":
      return new Float32Array(buffer, offset, entry.length);
    case "f64":
      return new Float64Array(buffer, offset, entry.length);
    case "i32":
      return new Int32Array(buffer, offset, entry.length);
    case "u8":
      return new Uint8Array(buffer, offset, entry.length);
    case "u16":
      return new Uint16Array(buffer, offset, entry.length);
    case "i64":
      return new BigInt64Array(buffer, offset, entry.length);
  }
}

/** Checks the preamble and header and returns views (no copies) over the sections. */
export function readCompiled(compiled: Uint8Array): RawCompiled {
  const version = compiledFormatVersion(compiled);
  if (version === null) throw new InvalidModelError("not a compiled model (bad magic)");
  if (version !== COMPACT_FORMAT_VERSION)
    throw new InvalidModelError(
      `compiled format version ${version}, this engine reads ${COMPACT_FORMAT_VERSION}`,
    );
  const view = new DataView(compiled.buffer, compiled.byteOffset, compiled.byteLength);
  const headerLength = view.getUint32(12, true);
  const total = view.getUint32(20, true);
  if (total !== compiled.length)
    throw new InvalidModelError(`compiled model is ${compiled.length} bytes, header says ${total}`);
  if (PREAMBLE_BYTES + headerLength > compiled.length)
    throw new InvalidModelError("compiled header runs past the end");
  const headerBytes = compiled.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength);
  if (fnv1a(headerBytes) !== view.getUint32(16, true))
    throw new InvalidModelError("compiled header checksum mismatch");
  let header: { sections?: unknown };
  try {
    header = decodeJson(
      new TextDecoder("utf-8", { fatal: true } as ConstructorParameters<typeof TextDecoder>[1]).decode(
        headerBytes,
      ),
    ) as { sections?: unknown };
  } catch {
    throw new InvalidModelError("compiled header is not valid JSON");
  }
  if (!header || typeof header !== "object" || !Array.isArray(header.sections))
    throw new InvalidModelError("compiled header has no section table");
  let bytes = compiled;
  if (compiled.byteOffset % ALIGNMENT !== 0) bytes = compiled.slice();
  const sections = (header.sections as SectionEntry[]).map((entry) => {
    const width = entry && typeof entry === "object" ? WIDTH[entry.kind] : undefined;
    if (
      width === undefined ||
      !Number.isSafeInteger(entry.offset) ||
      !Number.isSafeInteger(entry.length) ||
      entry.offset % ALIGNMENT !== 0 ||
      entry.length < 0 ||
      entry.offset < PREAMBLE_BYTES + headerLength ||
      entry.offset + entry.length * width > compiled.length
    )
      throw new InvalidModelError("compiled section out of bounds");
    return viewOf(bytes.buffer as ArrayBuffer, bytes.byteOffset, entry);
  });
  return { header, headerBytes: headerLength, sections, bufferBytes: bytes.buffer.byteLength };
}
