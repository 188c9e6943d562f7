import { type FieldError, problems } from "../../problems/index.ts";

/**
 * The binary tensor data extension of the Open Inference Protocol (Triton / KServe v2 REST): a body is a JSON
 * header of `Inference-Header-Content-Length` bytes followed by the raw little-endian values of every tensor
 * that declares `parameters.binary_data_size`, in the order the tensors appear in the header. BYTES elements
 * are each a 4-byte little-endian length followed by that many bytes.
 *
 * Decoding never allocates more than the body: every length is checked against the bytes that remain before
 * anything is read, and the element count of a fixed-width tensor is its byte size over its width.
 */
export const HEADER_LENGTH_HEADER = "inference-header-content-length";

const WIDTHS: Record<string, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

/** Datatypes this codec reads and writes in binary form (FP16 is valid OIP but has no JS reader here). */
const BINARY_DATATYPES = [...Object.keys(WIDTHS), "BYTES"];

const badFraming = (detail: string, field = "Inference-Header-Content-Length") =>
  problems.badRequest(`${field}: ${detail}`, [{ field, message: detail }]);

/** Splits a body into its JSON header and its binary part (empty without the header). */
export function splitBody(
  body: Uint8Array,
  headerLength: string | null | undefined,
): { json: Uint8Array; binary: Uint8Array } {
  if (headerLength === null || headerLength === undefined) return { json: body, binary: new Uint8Array(0) };
  const trimmed = headerLength.trim();
  if (!/^\d{1,15}$/.test(trimmed)) throw badFraming(`"${headerLength}" is not a byte count`);
  const length = Number(trimmed);
  if (length > body.byteLength) throw badFraming(`${length} exceeds the ${body.byteLength}-byte body`);
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

interface BinaryTensorRef {
  name: string;
  datatype: string;
  data?: unknown[] | undefined;
  parameters?: Record<string, unknown> | undefined;
}

const inputError = (index: number, name: string, suffix: string, message: string): FieldError => ({
  field: `inputs[${index}]${suffix}`,
  message: `input "${name}": ${message}`,
});

function decodeBytes(view: DataView, onError: (message: string) => never): string[] {
  const out: string[] = [];
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let offset = 0;
  while (offset < view.byteLength) {
    if (offset + 4 > view.byteLength)
      onError(`a BYTES element at byte ${offset} has a truncated 4-byte length prefix`);
    const length = view.getUint32(offset, true);
    offset += 4;
    if (length > view.byteLength - offset)
      onError(
        `a BYTES element at byte ${offset - 4} declares ${length} bytes but only ${view.byteLength - offset} remain`,
      );
    try {
      out.push(decoder.decode(new Uint8Array(view.buffer, view.byteOffset + offset, length)));
    } catch {
      onError(`a BYTES element at byte ${offset - 4} is not valid UTF-8`);
    }
    offset += length;
  }
  return out;
}

function readFixed(view: DataView, datatype: string, onError: (message: string) => never): unknown[] {
  const width = WIDTHS[datatype] ?? 0;
  if (view.byteLength % width !== 0)
    onError(`${view.byteLength} bytes is not a whole number of ${width}-byte ${datatype} values`);
  const count = view.byteLength / width;
  const out = new Array<unknown>(count);
  for (let i = 0; i < count; i += 1) {
    const at = i * width;
    switch (datatype) {
      case "BOOL":
        out[i] = view.getUint8(at) !== 0;
        break;
      case "UINT8":
        out[i] = view.getUint8(at);
        break;
      case "INT8":
        out[i] = view.getInt8(at);
        break;
      case "UINT16":
        out[i] = view.getUint16(at, true);
        break;
      case "INT16":
        out[i] = view.getInt16(at, true);
        break;
      case "UINT32":
        out[i] = view.getUint32(at, true);
        break;
      case "INT32":
        out[i] = view.getInt32(at, true);
        break;
      case "FP32":
        out[i] = view.getFloat32(at, true);
        break;
      case "FP64":
        out[i] = view.getFloat64(at, true);
        break;
      default: {
        const big = datatype === "INT64" ? view.getBigInt64(at, true) : view.getBigUint64(at, true);
        const value = Number(big);
        if (!Number.isSafeInteger(value)) onError(`value ${big} at element ${i} is beyond 2^53`);
        out[i] = value;
      }
    }
  }
  return out;
}

/**
 * Fills `data` of every tensor that declares `parameters.binary_data_size` from `binary`, in order. The sizes
 * must add up to exactly the binary part; a tensor has either `data` or a binary size, never both or neither.
 */
export function decodeBinaryInputs<T extends BinaryTensorRef>(
  inputs: T[],
  binary: Uint8Array,
): Array<T & { data: unknown[] }> {
  let offset = 0;
  const decoded = inputs.map((input, index) => {
    const size = input.parameters?.binary_data_size;
    if (size === undefined) {
      if (input.data === undefined)
        throw problems.validation([
          inputError(
            index,
            input.name,
            ".data",
            "needs data, or parameters.binary_data_size with a binary body",
          ),
        ]);
      return input as T & { data: unknown[] };
    }
    const fail = (suffix: string, message: string): never => {
      throw problems.validation([inputError(index, input.name, suffix, message)]);
    };
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0)
      fail(".parameters.binary_data_size", "must be a non-negative integer byte count");
    if (input.data !== undefined) fail(".data", "has both data and parameters.binary_data_size; send one");
    const bytes = size as number;
    if (bytes > binary.byteLength - offset)
      fail(
        ".parameters.binary_data_size",
        `declares ${bytes} bytes but only ${binary.byteLength - offset} remain after the JSON header` +
          (offset > 0 ? ` and the inputs before it` : ""),
      );
    if (!BINARY_DATATYPES.includes(input.datatype))
      fail(".datatype", `${input.datatype} is not supported in binary form (${BINARY_DATATYPES.join(", ")})`);
    const view = new DataView(binary.buffer, binary.byteOffset + offset, bytes);
    offset += bytes;
    const onError = (message: string) => fail(".parameters.binary_data_size", message);
    const data =
      input.datatype === "BYTES" ? decodeBytes(view, onError) : readFixed(view, input.datatype, onError);
    return { ...input, data };
  });
  if (offset !== binary.byteLength)
    throw problems.validation([
      {
        field: "inputs",
        message: `the binary part has ${binary.byteLength} bytes but the inputs' binary_data_size add up to ${offset}`,
      },
    ]);
  return decoded;
}

/** Raw little-endian bytes of one output tensor; a null number becomes NaN (a float has no null). */
export function encodeTensor(datatype: string, data: unknown[]): Uint8Array {
  if (datatype === "BYTES") {
    const encoder = new TextEncoder();
    const parts = data.map((value) => encoder.encode(String(value)));
    const out = new Uint8Array(parts.reduce((sum, part) => sum + 4 + part.byteLength, 0));
    const view = new DataView(out.buffer);
    let offset = 0;
    for (const part of parts) {
      view.setUint32(offset, part.byteLength, true);
      out.set(part, offset + 4);
      offset += 4 + part.byteLength;
    }
    return out;
  }
  const width = WIDTHS[datatype];
  if (!width) throw new Error(`no binary encoding for ${datatype}`);
  const out = new Uint8Array(width * data.length);
  const view = new DataView(out.buffer);
  data.forEach((raw, i) => {
    const at = i * width;
    const value = raw === null || raw === undefined ? Number.NaN : Number(raw);
    switch (datatype) {
      case "BOOL":
      case "UINT8":
        view.setUint8(at, datatype === "BOOL" ? (raw ? 1 : 0) : value);
        break;
      case "INT8":
        view.setInt8(at, value);
        break;
      case "UINT16":
        view.setUint16(at, value, true);
        break;
      case "INT16":
        view.setInt16(at, value, true);
        break;
      case "UINT32":
        view.setUint32(at, value, true);
        break;
      case "INT32":
        view.setInt32(at, value, true);
        break;
      case "FP32":
        view.setFloat32(at, value, true);
        break;
      case "FP64":
        view.setFloat64(at, value, true);
        break;
      case "INT64":
        view.setBigInt64(at, BigInt(Math.trunc(value)), true);
        break;
      default:
        view.setBigUint64(at, BigInt(Math.trunc(value)), true);
    }
  });
  return out;
}

export interface ResponseTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: Record<string, unknown>;
}

/**
 * A response body: plain JSON when no output is binary, else the JSON header (binary outputs carry
 * `parameters.binary_data_size` and no `data`) followed by their bytes, with the header's length.
 */
export function encodeResponse<R extends { outputs: ResponseTensor[] }>(
  response: R,
  isBinary: (output: ResponseTensor) => boolean,
): { body: Uint8Array; headerLength: number | null } {
  const chunks: Uint8Array[] = [];
  const outputs = response.outputs.map((output) => {
    if (!isBinary(output)) return output;
    const bytes = encodeTensor(output.datatype, output.data ?? []);
    chunks.push(bytes);
    const { data: _data, ...rest } = output;
    return { ...rest, parameters: { ...output.parameters, binary_data_size: bytes.byteLength } };
  });
  const header = new TextEncoder().encode(JSON.stringify({ ...response, outputs }));
  if (chunks.length === 0) return { body: header, headerLength: null };
  const body = new Uint8Array(header.byteLength + chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  body.set(header, 0);
  let offset = header.byteLength;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { body, headerLength: header.byteLength };
}
