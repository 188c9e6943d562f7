export type EngineTensorType = "float32" | "float64" | "int64" | "int32" | "string" | "bool";

export type NumericData = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
export type TensorData = NumericData | string[];

export interface EngineTensor {
  type: EngineTensorType;
  dims: readonly number[];
  data: TensorData;
}

export interface TensorInfo {
  name: string;
  type: EngineTensorType;
  shape: (number | string | null)[];
}

/** ONNX TensorProto.DataType codes of the types the engine carries. */
export const ONNX_TYPE_CODES: Record<EngineTensorType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  string: 8,
  bool: 9,
  float64: 11,
};

export function engineTypeOf(code: number): EngineTensorType | null {
  switch (code) {
    case 1:
      return "float32";
    case 6:
      return "int32";
    case 7:
      return "int64";
    case 8:
      return "string";
    case 9:
      return "bool";
    case 11:
      return "float64";
    default:
      return null;
  }
}

export function sizeOf(dims: readonly number[]): number {
  let size = 1;
  for (let i = 0; i < dims.length; i++) size *= dims[i] as number;
  return size;
}

export function allocate(type: EngineTensorType, length: number): TensorData {
  switch (type) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "int32":
      return new Int32Array(length);
    case "bool":
      return new Uint8Array(length);
    case "string":
      return new Array<string>(length).fill("");
  }
}

export function tensor(type: EngineTensorType, dims: readonly number[], data: TensorData): EngineTensor {
  return { type, dims, data };
}

export function isFloatType(type: EngineTensorType): type is "float32" | "float64" {
  return type === "float32" || type === "float64";
}

export function isNumericType(type: EngineTensorType): boolean {
  return type !== "string";
}

/** Reads any numeric element as a JS number (int64 via Number()). */
export function numberAt(data: TensorData, index: number): number {
  const value = data[index];
  return typeof value === "bigint" ? Number(value) : Number(value);
}

/** The tensor's elements as numbers (int64 converted with Number()). */
export function toNumbers(source: EngineTensor): Float64Array {
  const { data } = source;
  if (Array.isArray(data)) throw new Error("string tensor has no numbers");
  const out = new Float64Array(data.length);
  if (data instanceof BigInt64Array) for (let i = 0; i < data.length; i++) out[i] = Number(data[i]);
  else out.set(data);
  return out;
}

export function expectInteger(values: Float64Array): number[] {
  return Array.from(values, (value) => Math.trunc(value));
}
