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
