import { NodeIssue } from "../graph/attribute-reader.ts";
import { allocate, type EngineTensor, type EngineTensorType, sizeOf } from "../tensor.ts";
import {
  broadcastDims,
  broadcastIndex,
  floatToInt32,
  floatToInt64,
  kernelFailure,
  requireInput,
  sameDims,
} from "./kernel-support.ts";
import type { CompileRequest, Kernel, KernelSpec, OpDefinition } from "./op-types.ts";

type NumberOp = (a: number, b: number) => number;
type BigOp = (a: bigint, b: bigint) => bigint;
type CompareOp = (a: number | bigint | string, b: number | bigint | string) => boolean;

const NUMERIC: readonly EngineTensorType[] = ["float32", "float64", "int32", "int64"];

/** The broadcast shape of two operands (numpy rules), with fast paths for equal shapes and scalars. */
function pairDims(aDims: readonly number[], bDims: readonly number[]): readonly number[] {
  if (sameDims(aDims, bDims)) return aDims;
  if (aDims.length >= bDims.length && sizeOf(bDims) === 1) return aDims;
  if (bDims.length >= aDims.length && sizeOf(aDims) === 1) return bDims;
  return broadcastDims(aDims, bDims);
}

/** Applies `combine(i, ia, ib)` over `outDims`, the broadcast of the two operand shapes. */
function forEachBroadcast(
  aDims: readonly number[],
  bDims: readonly number[],
  outDims: readonly number[],
  combine: (out: number, a: number, b: number) => void,
): void {
  const size = sizeOf(outDims);
  const aSize = sizeOf(aDims);
  const bSize = sizeOf(bDims);
  if (aSize === size && bSize === size && sameDims(aDims, bDims))
    for (let i = 0; i < size; i++) combine(i, i, i);
  else if (bSize === 1 && aSize === size) for (let i = 0; i < size; i++) combine(i, i, 0);
  else if (aSize === 1 && bSize === size) for (let i = 0; i < size; i++) combine(i, 0, i);
  else {
    const aIndex = broadcastIndex(outDims, aDims);
    const bIndex = broadcastIndex(outDims, bDims);
    for (let i = 0; i < size; i++) combine(i, aIndex[i] as number, bIndex[i] as number);
  }
}

function arithmetic(
  op: string,
  numberOp: NumberOp,
  bigOp: BigOp,
  integerNumberOp: NumberOp = numberOp,
): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since: 7,
    until: 23,
    attributes: [],
    inputs: { min: 2, max: 2 },
    outputs: { min: 1, max: 1 },
    compile(request: CompileRequest) {
      const a = requireInput(request, 0).type;
      const b = requireInput(request, 1).type;
      if (!NUMERIC.includes(a)) throw new NodeIssue(`input type ${a} is not numeric`);
      if (op === "Pow") {
        if (!NUMERIC.includes(b)) throw new NodeIssue(`exponent type ${b} is not numeric`);
      } else if (a !== b) throw new NodeIssue(`input types differ (${a}, ${b})`);
      return { outputs: [a] };
    },
    kernel(spec: KernelSpec): Kernel {
      const type = spec.outputTypes[0] as EngineTensorType;
      const exponentIsBig = spec.inputTypes[1] === "int64";
      if (type === "int64") {
        return ([left, right]) => {
          const { dims: aDims, data: aData } = left as EngineTensor;
          const { dims: bDims, data: bData } = right as EngineTensor;
          const a = aData as BigInt64Array;
          const b = bData as ArrayLike<number | bigint>;
          const dims = pairDims(aDims, bDims);
          const out = new BigInt64Array(sizeOf(dims));
          forEachBroadcast(aDims, bDims, dims, (i, ia, ib) => {
            const bv = b[ib] as number | bigint;
            out[i] = bigOp(a[ia] as bigint, typeof bv === "bigint" ? bv : BigInt(Math.trunc(bv)));
          });
          return [{ type, dims, data: out }];
        };
      }
      const apply = type === "int32" ? integerNumberOp : numberOp;
      return ([left, right]) => {
        const { dims: aDims, data: aData } = left as EngineTensor;
        const { dims: bDims, data: bData } = right as EngineTensor;
        const a = aData as ArrayLike<number>;
        const b = bData as ArrayLike<number | bigint>;
        const dims = pairDims(aDims, bDims);
        const out = allocate(type, sizeOf(dims)) as Float32Array | Float64Array | Int32Array;
        if (exponentIsBig)
          forEachBroadcast(aDims, bDims, dims, (i, ia, ib) => {
            out[i] = apply(a[ia] as number, Number(b[ib]));
          });
        else
          forEachBroadcast(aDims, bDims, dims, (i, ia, ib) => {
            out[i] = apply(a[ia] as number, b[ib] as number);
          });
        return [{ type, dims, data: out }];
      };
    },
  };
}

function integerDivide(a: number, b: number): number {
  if (b === 0) kernelFailure("integer division by zero");
  return Math.trunc(a / b);
}

function comparison(op: string, compare: CompareOp, allowStrings: boolean, since = 7): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since,
    until: 23,
    attributes: [],
    inputs: { min: 2, max: 2 },
    outputs: { min: 1, max: 1 },
    compile(request) {
      const a = requireInput(request, 0).type;
      const b = requireInput(request, 1).type;
      if (a !== b) throw new NodeIssue(`input types differ (${a}, ${b})`);
      if (a === "string" && !allowStrings) throw new NodeIssue("string inputs are not supported");
      return { outputs: ["bool"] };
    },
    kernel(): Kernel {
      return ([left, right]) => {
        const { dims: aDims, data: aData } = left as EngineTensor;
        const { dims: bDims, data: bData } = right as EngineTensor;
        const a = aData as ArrayLike<number | bigint | string>;
        const b = bData as ArrayLike<number | bigint | string>;
        const dims = pairDims(aDims, bDims);
        const out = new Uint8Array(sizeOf(dims));
        forEachBroadcast(aDims, bDims, dims, (i, ia, ib) => {
          out[i] = compare(a[ia] as number, b[ib] as number) ? 1 : 0;
        });
        return [{ type: "bool", dims, data: out }];
      };
    },
  };
}

function logical(op: string, combine: (a: number, b: number) => number): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since: 7,
    until: 23,
    attributes: [],
    inputs: { min: 2, max: 2 },
    outputs: { min: 1, max: 1 },
    compile(request) {
      const a = requireInput(request, 0).type;
      const b = requireInput(request, 1).type;
      if (a !== "bool" || b !== "bool") throw new NodeIssue("inputs must be bool");
      return { outputs: ["bool"] };
    },
    kernel(): Kernel {
      return ([left, right]) => {
        const { dims: aDims, data: aData } = left as EngineTensor;
        const { dims: bDims, data: bData } = right as EngineTensor;
        const a = aData as Uint8Array;
        const b = bData as Uint8Array;
        const dims = pairDims(aDims, bDims);
        const out = new Uint8Array(sizeOf(dims));
        forEachBroadcast(aDims, bDims, dims, (i, ia, ib) => {
          out[i] = combine(a[ia] as number, b[ib] as number);
        });
        return [{ type: "bool", dims, data: out }];
      };
    },
  };
}

/** ORT computes integer Pow as static_cast<T>(std::pow(double, double)); never a BigInt power sized by the exponent. */
function bigPow(a: bigint, b: bigint): bigint {
  return floatToInt64(Number(a) ** Number(b));
}

export const binaryOperators: OpDefinition[] = [
  arithmetic(
    "Add",
    (a, b) => a + b,
    (a, b) => BigInt.asIntN(64, a + b),
    (a, b) => (a + b) | 0,
  ),
  arithmetic(
    "Sub",
    (a, b) => a - b,
    (a, b) => BigInt.asIntN(64, a - b),
    (a, b) => (a - b) | 0,
  ),
  arithmetic(
    "Mul",
    (a, b) => a * b,
    (a, b) => BigInt.asIntN(64, a * b),
    (a, b) => Math.imul(a, b),
  ),
  arithmetic(
    "Div",
    (a, b) => a / b,
    (a, b) => {
      if (b === 0n) kernelFailure("integer division by zero");
      return BigInt.asIntN(64, a / b);
    },
    integerDivide,
  ),
  arithmetic(
    "Pow",
    (a, b) => a ** b,
    bigPow,
    (a, b) => floatToInt32(a ** b),
  ),
  comparison("Equal", (a, b) => a === b, true),
  comparison("Less", (a, b) => a < b, false),
  comparison("Greater", (a, b) => a > b, false),
  comparison("LessOrEqual", (a, b) => a <= b, false, 12),
  comparison("GreaterOrEqual", (a, b) => a >= b, false, 12),
  logical("And", (a, b) => a & b),
  logical("Or", (a, b) => a | b),
  logical("Xor", (a, b) => a ^ b),
];

export { forEachBroadcast, pairDims };
