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

/** Applies `combine(i, ia, ib)` over the broadcast of two shapes. */
function forEachBroadcast(
  aDims: readonly number[],
  bDims: readonly number[],
  combine: (out: number, a: number, b: number) => void,
): number[] {
  if (sameDims(aDims, bDims)) {
    const size = sizeOf(aDims);
    for (let i = 0; i < size; i++) combine(i, i, i);
    return [...aDims];
  }
  const outDims = broadcastDims(aDims, bDims);
  const size = sizeOf(outDims);
  if (sizeOf(bDims) === 1 && aDims.length >= bDims.length) {
    for (let i = 0; i < size; i++) combine(i, i, 0);
    return outDims;
  }
  if (sizeOf(aDims) === 1 && bDims.length >= aDims.length) {
    for (let i = 0; i < size; i++) combine(i, 0, i);
    return outDims;
  }
  const aIndex = broadcastIndex(outDims, aDims);
  const bIndex = broadcastIndex(outDims, bDims);
  for (let i = 0; i < size; i++) combine(i, aIndex[i] as number, bIndex[i] as number);
  return outDims;
}

function outputSize(aDims: readonly number[], bDims: readonly number[]): number {
  return sameDims(aDims, bDims) ? sizeOf(aDims) : sizeOf(broadcastDims(aDims, bDims));
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
          const a = (left as EngineTensor).data as BigInt64Array;
          const b = (right as EngineTensor).data;
          const out = new BigInt64Array(
            outputSize((left as EngineTensor).dims, (right as EngineTensor).dims),
          );
          const dims = forEachBroadcast(
            (left as EngineTensor).dims,
            (right as EngineTensor).dims,
            (i, ia, ib) => {
              const bv = b[ib] as number | bigint;
              out[i] = bigOp(a[ia] as bigint, typeof bv === "bigint" ? bv : BigInt(Math.trunc(bv)));
            },
          );
          return [{ type, dims, data: out }];
        };
      }
      const integer = type === "int32";
      const apply = integer ? integerNumberOp : numberOp;
      return ([left, right]) => {
        const a = (left as EngineTensor).data as ArrayLike<number>;
        const b = (right as EngineTensor).data as ArrayLike<number | bigint>;
        const out = allocate(type, outputSize((left as EngineTensor).dims, (right as EngineTensor).dims)) as
          | Float32Array
          | Float64Array
          | Int32Array;
        const dims = exponentIsBig
          ? forEachBroadcast((left as EngineTensor).dims, (right as EngineTensor).dims, (i, ia, ib) => {
              out[i] = apply(a[ia] as number, Number(b[ib]));
            })
          : forEachBroadcast((left as EngineTensor).dims, (right as EngineTensor).dims, (i, ia, ib) => {
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
        const a = (left as EngineTensor).data as ArrayLike<number | bigint | string>;
        const b = (right as EngineTensor).data as ArrayLike<number | bigint | string>;
        const out = new Uint8Array(outputSize((left as EngineTensor).dims, (right as EngineTensor).dims));
        const dims = forEachBroadcast(
          (left as EngineTensor).dims,
          (right as EngineTensor).dims,
          (i, ia, ib) => {
            out[i] = compare(a[ia] as number, b[ib] as number) ? 1 : 0;
          },
        );
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
        const a = (left as EngineTensor).data as Uint8Array;
        const b = (right as EngineTensor).data as Uint8Array;
        const out = new Uint8Array(outputSize((left as EngineTensor).dims, (right as EngineTensor).dims));
        const dims = forEachBroadcast(
          (left as EngineTensor).dims,
          (right as EngineTensor).dims,
          (i, ia, ib) => {
            out[i] = combine(a[ia] as number, b[ib] as number);
          },
        );
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

export { forEachBroadcast, outputSize };
