import { EngineInputError } from "../errors.ts";
import { NodeIssue } from "../graph/attribute-reader.ts";
import type { EngineTensor } from "../tensor.ts";
import type { CompileRequest, InputFacts } from "./op-types.ts";

/** A runtime failure inside a kernel caused by the values fed (bad index, mismatched shapes). */
export function kernelFailure(message: string): never {
  throw new EngineInputError("", message);
}

export function requireInput(request: CompileRequest, index: number): InputFacts {
  const facts = request.inputs[index];
  if (!facts) throw new NodeIssue(`input ${index} is required`);
  return facts;
}

/** Shape-like operands must be known at compile time: memory never depends on an input value. */
export function requireConstantIntegers(request: CompileRequest, index: number, what: string): number[] {
  const facts = request.inputs[index];
  if (!facts) throw new NodeIssue(`${what} (input ${index}) is required`);
  const constant = facts.constant;
  if (!constant)
    throw new NodeIssue(`${what} (input ${index}) must be a constant (initializer or Constant node)`);
  if (constant.type !== "int64" && constant.type !== "int32")
    throw new NodeIssue(`${what} (input ${index}) must be int64`);
  return integers(constant);
}

function integers(source: EngineTensor): number[] {
  const data = source.data;
  if (Array.isArray(data)) throw new NodeIssue("expected an integer tensor");
  return Array.from(data as ArrayLike<number | bigint>, (value) => Number(value));
}

export function normalizeAxis(axis: number, rank: number): number {
  const normalized = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(normalized) || normalized < 0 || normalized >= rank)
    kernelFailure(`axis ${axis} is out of range for rank ${rank}`);
  return normalized;
}

export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Multidirectional (numpy) broadcasting of shapes. */
export function broadcastDims(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((shape) => shape.length));
  const out = new Array<number>(rank).fill(1);
  for (const shape of shapes) {
    const offset = rank - shape.length;
    for (let i = 0; i < shape.length; i++) {
      const dim = shape[i] as number;
      const current = out[offset + i] as number;
      if (dim === current || dim === 1) continue;
      if (current === 1) out[offset + i] = dim;
      else kernelFailure(`shapes [${shapes.map((s) => s.join(",")).join("] and [")}] do not broadcast`);
    }
  }
  // A zero-sized dimension wins over 1.
  for (const shape of shapes) {
    const offset = rank - shape.length;
    for (let i = 0; i < shape.length; i++) if (shape[i] === 0) out[offset + i] = 0;
  }
  return out;
}

/** For each output element, the flat index of the broadcast input element. */
export function broadcastIndex(outDims: readonly number[], inDims: readonly number[]): Int32Array {
  const rank = outDims.length;
  const size = outDims.reduce((a, b) => a * b, 1);
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let i = inDims.length - 1; i >= 0; i--) {
    const axis = rank - inDims.length + i;
    strides[axis] = inDims[i] === 1 ? 0 : stride;
    stride *= inDims[i] as number;
  }
  const index = new Int32Array(size);
  const counter = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let flat = 0; flat < size; flat++) {
    index[flat] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis] = (counter[axis] as number) + 1;
      offset += strides[axis] as number;
      if ((counter[axis] as number) < (outDims[axis] as number)) break;
      offset -= (strides[axis] as number) * (outDims[axis] as number);
      counter[axis] = 0;
    }
  }
  return index;
}

/** C++ static_cast<int64_t>(float) on x86: truncation, NaN and overflow give INT64_MIN. */
const TWO_POW_63 = 2 ** 63;

export function floatToInt64(value: number): bigint {
  if (!(value >= -TWO_POW_63 && value < TWO_POW_63)) return -(2n ** 63n);
  return BigInt(Math.trunc(value));
}

/** C++ static_cast<int32_t>(float) on x86: truncation, NaN and overflow give INT32_MIN. */
export function floatToInt32(value: number): number {
  if (!(value > -2147483649 && value < 2147483648)) return -2147483648;
  return Math.trunc(value);
}

/** Shape validation for ops whose input is [N, C] or [C] (ai.onnx.ml conventions). */
export function rowsAndColumns(source: EngineTensor, what: string): [number, number] {
  const { dims } = source;
  if (dims.length === 0) kernelFailure(`${what}: input needs at least one dimension`);
  if (dims.length === 1) return [1, dims[0] as number];
  if (dims.length === 2) return [dims[0] as number, dims[1] as number];
  kernelFailure(`${what}: input must be 1-D or 2-D, got rank ${dims.length}`);
}
