import { NodeIssue } from "../graph/attribute-reader.ts";
import { allocate, type EngineTensor, type EngineTensorType, sizeOf } from "../tensor.ts";
import { forEachBroadcast, pairDims } from "./elementwise-binary.ts";
import { requireInput } from "./kernel-support.ts";
import type { Kernel, KernelSpec, OpDefinition } from "./op-types.ts";

type Fold = (accumulated: number, next: number) => number;
type BigFold = (accumulated: bigint, next: bigint) => bigint;

const NUMERIC: readonly EngineTensorType[] = ["float32", "float64", "int32", "int64"];

function propagateNaN(choose: (a: number, b: number) => number): Fold {
  return (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? Number.NaN : choose(a, b));
}

function variadic(op: string, fold: Fold, bigFold: BigFold, mean = false): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since: 8,
    until: 23,
    attributes: [],
    inputs: { min: 1, max: 2147483647 },
    outputs: { min: 1, max: 1 },
    compile(request) {
      const type = requireInput(request, 0).type;
      if (!NUMERIC.includes(type)) throw new NodeIssue(`input type ${type} is not numeric`);
      if (mean && (type === "int32" || type === "int64")) throw new NodeIssue("Mean needs float inputs");
      request.inputs.forEach((input, index) => {
        if (!input) throw new NodeIssue(`input ${index} is required`);
        if (input.type !== type)
          throw new NodeIssue(`input ${index} has type ${input.type}, expected ${type}`);
      });
      return { outputs: [type] };
    },
    kernel(spec: KernelSpec): Kernel {
      const type = spec.outputTypes[0] as EngineTensorType;
      return (inputs) => {
        let current = inputs[0] as EngineTensor;
        for (let k = 1; k < inputs.length; k++) {
          const next = inputs[k] as EngineTensor;
          const dims = pairDims(current.dims, next.dims);
          const out = allocate(type, sizeOf(dims));
          const a = current.data;
          const b = next.data;
          if (type === "int64") {
            const target = out as BigInt64Array;
            forEachBroadcast(current.dims, next.dims, dims, (i, ia, ib) => {
              target[i] = bigFold(a[ia] as bigint, b[ib] as bigint);
            });
          } else {
            const target = out as Float32Array;
            forEachBroadcast(current.dims, next.dims, dims, (i, ia, ib) => {
              target[i] = fold(a[ia] as number, b[ib] as number);
            });
          }
          current = { type, dims, data: out };
        }
        if (mean && inputs.length > 1) {
          const data = allocate(type, sizeOf(current.dims)) as Float32Array;
          const source = current.data as Float32Array;
          for (let i = 0; i < data.length; i++) data[i] = (source[i] as number) / inputs.length;
          current = { type, dims: current.dims, data };
        }
        return [current];
      };
    },
  };
}

export const variadicOperators: OpDefinition[] = [
  variadic(
    "Sum",
    (a, b) => a + b,
    (a, b) => BigInt.asIntN(64, a + b),
  ),
  variadic(
    "Mean",
    (a, b) => a + b,
    (a, b) => a + b,
    true,
  ),
  variadic(
    "Max",
    propagateNaN((a, b) => (b > a ? b : a)),
    (a, b) => (b > a ? b : a),
  ),
  variadic(
    "Min",
    propagateNaN((a, b) => (b < a ? b : a)),
    (a, b) => (b < a ? b : a),
  ),
];
