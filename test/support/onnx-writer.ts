/**
 * A tiny protobuf writer for ONNX ModelProto, enough to build test graphs byte by byte
 * (with packed or unpacked repeated fields, so the engine's reader is exercised both ways).
 */

type Bytes = number[];

function varint(value: number | bigint, out: Bytes): void {
  let v = BigInt.asUintN(64, BigInt(value));
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
}

function tag(field: number, wire: number, out: Bytes): void {
  varint((field << 3) | wire, out);
}

function lengthDelimited(field: number, payload: Bytes | Uint8Array, out: Bytes): void {
  tag(field, 2, out);
  varint(payload.length, out);
  for (const byte of payload) out.push(byte);
}

function text(field: number, value: string, out: Bytes): void {
  lengthDelimited(field, new TextEncoder().encode(value), out);
}

function float32(field: number, value: number, out: Bytes): void {
  tag(field, 5, out);
  const bytes = new Uint8Array(new Float32Array([value]).buffer);
  for (const byte of bytes) out.push(byte);
}

function int(field: number, value: number, out: Bytes): void {
  tag(field, 0, out);
  varint(value, out);
}

function ints(field: number, values: readonly number[], packed: boolean, out: Bytes): void {
  if (packed) {
    const payload: Bytes = [];
    for (const value of values) varint(value, payload);
    lengthDelimited(field, payload, out);
  } else for (const value of values) int(field, value, out);
}

function floats(field: number, values: readonly number[], packed: boolean, out: Bytes): void {
  if (packed) {
    const bytes = new Uint8Array(new Float32Array(values).buffer);
    lengthDelimited(field, bytes, out);
  } else for (const value of values) float32(field, value, out);
}

export type AttributeValue =
  | { int: number }
  | { float: number }
  | { string: string }
  | { ints: number[] }
  | { floats: number[] }
  | { strings: string[] }
  | { tensor: TensorSpec }
  | { graph: true };

export interface TensorSpec {
  name?: string;
  /** ONNX TensorProto.DataType: 1 float, 6 int32, 7 int64, 8 string, 9 bool, 11 double. */
  dataType: number;
  dims: number[];
  floats?: number[];
  int64s?: number[];
  strings?: string[];
  raw?: Uint8Array;
}

export interface NodeSpec {
  op: string;
  domain?: string;
  name?: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, AttributeValue>;
}

export interface ValueSpec {
  name: string;
  elemType: number;
  dims: (number | string)[];
}

export interface ModelSpec {
  opsets: Record<string, number>;
  nodes: NodeSpec[];
  inputs: ValueSpec[];
  outputs: ValueSpec[];
  initializers?: TensorSpec[];
  /** Write repeated numeric fields packed (proto3 default) or one tag per element. */
  packed?: boolean;
}

function tensorBytes(spec: TensorSpec, packed: boolean): Bytes {
  const out: Bytes = [];
  ints(1, spec.dims, packed, out);
  int(2, spec.dataType, out);
  if (spec.floats) floats(4, spec.floats, packed, out);
  if (spec.strings) for (const value of spec.strings) text(6, value, out);
  if (spec.int64s) ints(7, spec.int64s, packed, out);
  if (spec.name) text(8, spec.name, out);
  if (spec.raw) lengthDelimited(9, spec.raw, out);
  return out;
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8 };

function attributeBytes(name: string, value: AttributeValue, packed: boolean): Bytes {
  const out: Bytes = [];
  text(1, name, out);
  if ("float" in value) float32(2, value.float, out);
  else if ("int" in value) int(3, value.int, out);
  else if ("string" in value) text(4, value.string, out);
  else if ("tensor" in value) lengthDelimited(5, tensorBytes(value.tensor, packed), out);
  else if ("graph" in value) lengthDelimited(6, [], out);
  else if ("floats" in value) floats(7, value.floats, packed, out);
  else if ("ints" in value) ints(8, value.ints, packed, out);
  else for (const item of value.strings) text(9, item, out);
  const kind = Object.keys(value)[0] as keyof typeof ATTRIBUTE_TYPE;
  int(20, ATTRIBUTE_TYPE[kind], out);
  return out;
}

function nodeBytes(spec: NodeSpec, packed: boolean): Bytes {
  const out: Bytes = [];
  for (const input of spec.inputs) text(1, input, out);
  for (const output of spec.outputs) text(2, output, out);
  text(3, spec.name ?? `${spec.op}_node`, out);
  text(4, spec.op, out);
  for (const [name, value] of Object.entries(spec.attributes ?? {}))
    lengthDelimited(5, attributeBytes(name, value, packed), out);
  if (spec.domain) text(7, spec.domain, out);
  return out;
}

function valueBytes(spec: ValueSpec): Bytes {
  const shape: Bytes = [];
  for (const dim of spec.dims) {
    const dimBytes: Bytes = [];
    if (typeof dim === "number") int(1, dim, dimBytes);
    else text(2, dim, dimBytes);
    lengthDelimited(1, dimBytes, shape);
  }
  const tensorType: Bytes = [];
  int(1, spec.elemType, tensorType);
  lengthDelimited(2, shape, tensorType);
  const type: Bytes = [];
  lengthDelimited(1, tensorType, type);
  const out: Bytes = [];
  text(1, spec.name, out);
  lengthDelimited(2, type, out);
  return out;
}

/** Serialises a ModelProto (ir_version 8) from a compact description. */
export function writeOnnxModel(spec: ModelSpec): Uint8Array {
  const packed = spec.packed ?? true;
  const graph: Bytes = [];
  for (const node of spec.nodes) lengthDelimited(1, nodeBytes(node, packed), graph);
  text(2, "test-graph", graph);
  for (const initializer of spec.initializers ?? [])
    lengthDelimited(5, tensorBytes(initializer, packed), graph);
  for (const input of spec.inputs) lengthDelimited(11, valueBytes(input), graph);
  for (const output of spec.outputs) lengthDelimited(12, valueBytes(output), graph);
  const model: Bytes = [];
  int(1, 8, model);
  for (const [domain, version] of Object.entries(spec.opsets)) {
    const opset: Bytes = [];
    text(1, domain, opset);
    int(2, version, opset);
    lengthDelimited(8, opset, model);
  }
  lengthDelimited(7, graph, model);
  return Uint8Array.from(model);
}
