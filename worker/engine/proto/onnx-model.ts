import type { StringList } from "./wire-reader.ts";

/** The subset of onnx.proto the engine reads, as plain objects. */

export interface OnnxTensorProto {
  name: string;
  dataType: number;
  dims: number[];
  floatData?: Float32Array;
  int32Data?: Float64Array;
  int64Data?: BigInt64Array;
  uint64Data?: BigInt64Array;
  doubleData?: Float64Array;
  stringData?: Uint8Array[];
  rawData?: Uint8Array;
  /** Data stored outside the file (external_data / data_location): never readable here. */
  external: boolean;
  segmented: boolean;
}

export const ATTRIBUTE_TYPES = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
  SPARSE_TENSOR: 11,
  SPARSE_TENSORS: 12,
  TYPE_PROTO: 13,
  TYPE_PROTOS: 14,
} as const;

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensorProto;
  floats?: Float32Array;
  ints?: Float64Array;
  strings?: StringList;
  tensors?: OnnxTensorProto[];
  /** A graph-valued attribute (subgraph) is present; subgraphs are never decoded. */
  hasGraph: boolean;
  refAttrName?: string;
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxDim {
  value?: number;
  param?: string;
}

export interface OnnxValueInfo {
  name: string;
  /** "tensor" | "sequence" | "map" | "optional" | "sparse_tensor" | "unknown" */
  kind: string;
  elemType: number;
  shape: OnnxDim[] | null;
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: OnnxTensorProto[];
  sparseInitializers: number;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
  valueInfo: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: Record<string, number>;
  graph: OnnxGraph;
  functions: number;
}
