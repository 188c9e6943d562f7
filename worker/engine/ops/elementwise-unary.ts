import { NodeIssue } from "../graph/attribute-reader.ts";
import { allocate, type EngineTensor, type EngineTensorType } from "../tensor.ts";
import { requireInput } from "./kernel-support.ts";
import type { Kernel, KernelSpec, OpDefinition } from "./op-types.ts";

const FLOATS: readonly EngineTensorType[] = ["float32", "float64"];
const SIGNED: readonly EngineTensorType[] = ["float32", "float64", "int32", "int64"];

function unary(
  op: string,
  types: readonly EngineTensorType[],
  numberOp: (x: number) => number,
  bigOp?: (x: bigint) => bigint,
  since = 6,
): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since,
    until: 23,
    attributes: [],
    inputs: { min: 1, max: 1 },
    outputs: { min: 1, max: 1 },
    compile(request) {
      const type = requireInput(request, 0).type;
      if (!types.includes(type)) throw new NodeIssue(`input type ${type} is not supported`);
      return { outputs: [type] };
    },
    kernel(spec: KernelSpec): Kernel {
      const type = spec.outputTypes[0] as EngineTensorType;
      if (type === "int64") {
        const apply = bigOp as (x: bigint) => bigint;
        return ([input]) => {
          const source = (input as EngineTensor).data as BigInt64Array;
          const out = new BigInt64Array(source.length);
          for (let i = 0; i < source.length; i++) out[i] = apply(source[i] as bigint);
          return [{ type, dims: (input as EngineTensor).dims, data: out }];
        };
      }
      return ([input]) => {
        const source = (input as EngineTensor).data as Float32Array | Float64Array | Int32Array | Uint8Array;
        const out = allocate(type, source.length) as Float32Array | Float64Array | Int32Array | Uint8Array;
        for (let i = 0; i < source.length; i++) out[i] = numberOp(source[i] as number);
        return [{ type, dims: (input as EngineTensor).dims, data: out }];
      };
    },
  };
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

export const unaryOperators: OpDefinition[] = [
  unary("Exp", FLOATS, Math.exp),
  unary("Log", FLOATS, Math.log),
  unary("Sqrt", FLOATS, Math.sqrt),
  unary("Sigmoid", FLOATS, sigmoid),
  unary("Tanh", FLOATS, Math.tanh),
  unary("Floor", FLOATS, Math.floor),
  unary("Ceil", FLOATS, Math.ceil),
  unary("Reciprocal", FLOATS, (x) => 1 / x),
  unary(
    "Relu",
    SIGNED,
    (x) => (x < 0 ? 0 : x),
    (x) => (x > 0n ? x : 0n),
  ),
  unary("Abs", SIGNED, Math.abs, (x) => BigInt.asIntN(64, x < 0n ? -x : x)),
  unary(
    "Neg",
    SIGNED,
    (x) => -x,
    (x) => BigInt.asIntN(64, -x),
  ),
  unary("Not", ["bool"], (x) => (x ? 0 : 1), undefined, 1),
];
