import { NodeIssue } from "../graph/attribute-reader.ts";
import { allocate, type EngineTensor, type EngineTensorType, sizeOf } from "../tensor.ts";
import {
  broadcastDims,
  broadcastIndex,
  kernelFailure,
  normalizeAxis,
  requireConstantIntegers,
  requireInput,
} from "./kernel-support.ts";
import type { CompileRequest, Kernel, OpDefinition } from "./op-types.ts";

const FLOATS: readonly EngineTensorType[] = ["float32", "float64"];
const NUMERIC: readonly EngineTensorType[] = ["float32", "float64", "int32", "int64"];
const f = Math.fround;

function floatType(request: CompileRequest, index: number, allowed = FLOATS): EngineTensorType {
  const type = requireInput(request, index).type;
  if (!allowed.includes(type))
    throw new NodeIssue(`input ${index} has type ${type}, expected ${allowed.join("|")}`);
  return type;
}

function numbers(x: EngineTensor): ArrayLike<number> {
  return x.data as ArrayLike<number>;
}

/** Plain matrix product out[m, n] = sum_k a[m, k] * b[k, n], accumulated in double. */
function matmul2d(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++)
        sum += (a[transA ? p * m + i : i * k + p] as number) * (b[transB ? j * k + p : p * n + j] as number);
      out[i * n + j] = sum;
    }
  return out;
}

const matMul: OpDefinition = {
  domain: "ai.onnx",
  op: "MatMul",
  since: 1,
  until: 23,
  attributes: [],
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const type = floatType(request, 0);
    if (floatType(request, 1) !== type) throw new NodeIssue("input types differ");
    return { outputs: [type] };
  },
  kernel(spec): Kernel {
    const type = spec.outputTypes[0] as EngineTensorType;
    return ([left, right]) => {
      const a = left as EngineTensor;
      const b = right as EngineTensor;
      if (a.dims.length === 0 || b.dims.length === 0) kernelFailure("MatMul: scalars are not matrices");
      if (b.dims.length > 2) kernelFailure("MatMul: batched right operands are not supported");
      const aDims = a.dims.length === 1 ? [1, a.dims[0] as number] : [...a.dims];
      const bDims = b.dims.length === 1 ? [b.dims[0] as number, 1] : [...b.dims];
      const k = aDims[aDims.length - 1] as number;
      if (bDims[0] !== k) kernelFailure(`MatMul: inner dimensions differ (${k} vs ${bDims[0]})`);
      const n = bDims[1] as number;
      const m = sizeOf(aDims.slice(0, -1));
      const product = matmul2d(numbers(a), numbers(b), m, k, n, false, false);
      const outDims = [...aDims.slice(0, -1), n];
      if (a.dims.length === 1) outDims.splice(outDims.length - 2, 1);
      if (b.dims.length === 1) outDims.pop();
      const out = allocate(type, product.length) as Float32Array | Float64Array;
      out.set(product);
      return [{ type, dims: outDims, data: out }];
    };
  },
};

const gemm: OpDefinition = {
  domain: "ai.onnx",
  op: "Gemm",
  since: 7,
  until: 23,
  attributes: ["alpha", "beta", "transA", "transB"],
  inputs: { min: 2, max: 3 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const type = floatType(request, 0);
    if (floatType(request, 1) !== type) throw new NodeIssue("input types differ");
    if (request.inputs[2] && request.inputs[2].type !== type) throw new NodeIssue("C has a different type");
    return {
      outputs: [type],
      params: {
        alpha: f(request.attributes.float("alpha", 1)),
        beta: f(request.attributes.float("beta", 1)),
        transA: request.attributes.int("transA", 0) !== 0,
        transB: request.attributes.int("transB", 0) !== 0,
      },
    };
  },
  kernel(spec): Kernel {
    const type = spec.outputTypes[0] as EngineTensorType;
    const { alpha, beta, transA, transB } = spec.params as {
      alpha: number;
      beta: number;
      transA: boolean;
      transB: boolean;
    };
    return ([left, right, bias]) => {
      const a = left as EngineTensor;
      const b = right as EngineTensor;
      if (a.dims.length !== 2 || b.dims.length !== 2) kernelFailure("Gemm: A and B must be matrices");
      const m = (transA ? a.dims[1] : a.dims[0]) as number;
      const k = (transA ? a.dims[0] : a.dims[1]) as number;
      const kb = (transB ? b.dims[1] : b.dims[0]) as number;
      const n = (transB ? b.dims[0] : b.dims[1]) as number;
      if (k !== kb) kernelFailure(`Gemm: inner dimensions differ (${k} vs ${kb})`);
      const product = matmul2d(numbers(a), numbers(b), m, k, n, transA, transB);
      const out = allocate(type, m * n) as Float32Array | Float64Array;
      let c: ArrayLike<number> | null = null;
      let cIndex: Int32Array | null = null;
      if (bias && beta !== 0) {
        broadcastDims([m, n], bias.dims);
        c = numbers(bias);
        cIndex = broadcastIndex([m, n], bias.dims);
      }
      for (let i = 0; i < m * n; i++) {
        let value = alpha * (product[i] as number);
        if (c && cIndex) value += beta * (c[cIndex[i] as number] as number);
        out[i] = value;
      }
      return [{ type, dims: [m, n], data: out }];
    };
  },
};

function reduceOp(
  op: string,
  axesAsInputSince: number,
  combine: "sum" | "mean" | "max" | "min" | "prod",
): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since: 1,
    until: 23,
    attributes: ["axes", "keepdims", "noop_with_empty_axes"],
    inputs: { min: 1, max: 2 },
    outputs: { min: 1, max: 1 },
    compile(request) {
      const type = floatType(request, 0, NUMERIC);
      if (type === "int64" && combine === "mean") throw new NodeIssue("int64 mean is not supported");
      let axes: number[] | null = null;
      if (request.opset >= axesAsInputSince) {
        if (request.inputs[1]) axes = requireConstantIntegers(request, 1, "axes");
      } else {
        const attribute = request.attributes.ints("axes");
        if (attribute) axes = Array.from(attribute);
      }
      return {
        outputs: [type],
        params: {
          axes,
          keepdims: request.attributes.int("keepdims", 1) !== 0,
          noop: request.attributes.int("noop_with_empty_axes", 0) !== 0,
        },
      };
    },
    kernel(spec): Kernel {
      const type = spec.outputTypes[0] as EngineTensorType;
      const { axes, keepdims, noop } = spec.params as {
        axes: number[] | null;
        keepdims: boolean;
        noop: boolean;
      };
      return ([input]) => {
        const x = input as EngineTensor;
        const rank = x.dims.length;
        if ((axes === null || axes.length === 0) && noop) return [x];
        const reduced = new Set(
          axes === null || axes.length === 0
            ? x.dims.map((_, i) => i)
            : axes.map((axis) => normalizeAxis(axis, rank)),
        );
        const outDims: number[] = [];
        x.dims.forEach((dim, axis) => {
          if (!reduced.has(axis)) outDims.push(dim);
          else if (keepdims) outDims.push(1);
        });
        const keptDims = x.dims.map((dim, axis) => (reduced.has(axis) ? 1 : dim));
        const outSize = sizeOf(keptDims);
        const acc = new Float64Array(outSize).fill(combine === "prod" ? 1 : 0);
        const seen = new Uint8Array(outSize);
        const target = broadcastIndex(x.dims, keptDims);
        const source = x.data as ArrayLike<number | bigint>;
        const count = outSize === 0 ? 0 : sizeOf(x.dims) / outSize;
        for (let i = 0; i < source.length; i++) {
          const value = Number(source[i]);
          const t = target[i] as number;
          const current = acc[t] as number;
          if (combine === "sum" || combine === "mean") acc[t] = current + value;
          else if (combine === "prod") acc[t] = current * value;
          // std::max / std::min order: the first element seeds, a later NaN never replaces it.
          else if (!seen[t]) {
            acc[t] = value;
            seen[t] = 1;
          } else if (combine === "max") acc[t] = current < value ? value : current;
          else acc[t] = value < current ? value : current;
        }
        if (combine === "mean") for (let i = 0; i < outSize; i++) acc[i] = (acc[i] as number) / count;
        const out = allocate(type, outSize);
        if (out instanceof BigInt64Array) for (let i = 0; i < outSize; i++) out[i] = BigInt(acc[i] as number);
        else (out as Float32Array).set(acc);
        return [{ type, dims: outDims, data: out }];
      };
    },
  };
}

function argOp(op: string, pickMax: boolean): OpDefinition {
  return {
    domain: "ai.onnx",
    op,
    since: 1,
    until: 23,
    attributes: ["axis", "keepdims", "select_last_index"],
    inputs: { min: 1, max: 1 },
    outputs: { min: 1, max: 1 },
    compile(request) {
      floatType(request, 0, NUMERIC);
      return {
        outputs: ["int64"],
        params: {
          axis: request.attributes.int("axis", 0),
          keepdims: request.attributes.int("keepdims", 1) !== 0,
          last: request.attributes.int("select_last_index", 0) !== 0,
        },
      };
    },
    kernel(spec): Kernel {
      const {
        axis: axisAttribute,
        keepdims,
        last,
      } = spec.params as { axis: number; keepdims: boolean; last: boolean };
      return ([input]) => {
        const x = input as EngineTensor;
        const axis = normalizeAxis(axisAttribute, x.dims.length);
        const outer = sizeOf(x.dims.slice(0, axis));
        const size = x.dims[axis] as number;
        const inner = sizeOf(x.dims.slice(axis + 1));
        const data = x.data as ArrayLike<number | bigint>;
        const out = new BigInt64Array(outer * inner);
        for (let o = 0; o < outer; o++)
          for (let i = 0; i < inner; i++) {
            let best = 0;
            let bestValue = data[o * size * inner + i] as number | bigint;
            for (let j = 1; j < size; j++) {
              const value = data[(o * size + j) * inner + i] as number | bigint;
              const better = pickMax ? value > bestValue : value < bestValue;
              if (better || (last && value === bestValue)) {
                best = j;
                bestValue = value;
              }
            }
            out[o * inner + i] = BigInt(best);
          }
        const outDims = keepdims
          ? x.dims.map((dim, d) => (d === axis ? 1 : dim))
          : x.dims.filter((_, d) => d !== axis);
        return [{ type: "int64", dims: outDims, data: out }];
      };
    },
  };
}

const softmax: OpDefinition = {
  domain: "ai.onnx",
  op: "Softmax",
  since: 1,
  until: 23,
  attributes: ["axis"],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const type = floatType(request, 0);
    const modern = request.opset >= 13;
    return { outputs: [type], params: { axis: request.attributes.int("axis", modern ? -1 : 1), modern } };
  },
  kernel(spec): Kernel {
    const type = spec.outputTypes[0] as EngineTensorType;
    const { axis: axisAttribute, modern } = spec.params as { axis: number; modern: boolean };
    return ([input]) => {
      const x = input as EngineTensor;
      const rank = x.dims.length;
      const axis = normalizeAxis(axisAttribute, Math.max(rank, 1));
      const data = numbers(x);
      const out = allocate(type, data.length) as Float32Array | Float64Array;
      let outer: number;
      let size: number;
      let inner: number;
      if (modern) {
        outer = sizeOf(x.dims.slice(0, axis));
        size = x.dims[axis] as number;
        inner = sizeOf(x.dims.slice(axis + 1));
      } else {
        outer = sizeOf(x.dims.slice(0, axis));
        size = sizeOf(x.dims.slice(axis));
        inner = 1;
      }
      for (let o = 0; o < outer; o++)
        for (let i = 0; i < inner; i++) {
          let max = -Infinity;
          for (let j = 0; j < size; j++) max = Math.max(max, data[(o * size + j) * inner + i] as number);
          let sum = 0;
          for (let j = 0; j < size; j++) sum += Math.exp((data[(o * size + j) * inner + i] as number) - max);
          for (let j = 0; j < size; j++) {
            const at = (o * size + j) * inner + i;
            out[at] = Math.exp((data[at] as number) - max) / sum;
          }
        }
      return [{ type, dims: x.dims, data: out }];
    };
  },
};

const clip: OpDefinition = {
  domain: "ai.onnx",
  op: "Clip",
  since: 6,
  until: 23,
  attributes: ["min", "max"],
  inputs: { min: 1, max: 3 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const type = floatType(request, 0, NUMERIC);
    if (request.opset < 11)
      return {
        outputs: [type],
        params: {
          min: request.attributes.float("min", -3.4028234663852886e38),
          max: request.attributes.float("max", 3.4028234663852886e38),
        },
      };
    for (const index of [1, 2]) {
      const bound = request.inputs[index];
      if (bound && bound.type !== type)
        throw new NodeIssue(`bound ${index} has type ${bound.type}, expected ${type}`);
    }
    return { outputs: [type], params: {} };
  },
  kernel(spec): Kernel {
    const type = spec.outputTypes[0] as EngineTensorType;
    const fixed = spec.params as { min?: number; max?: number };
    return ([input, low, high]) => {
      const x = input as EngineTensor;
      const lowest = fixed.min ?? (low ? Number((low.data as ArrayLike<number | bigint>)[0]) : -Infinity);
      const highest = fixed.max ?? (high ? Number((high.data as ArrayLike<number | bigint>)[0]) : Infinity);
      const data = x.data as ArrayLike<number | bigint>;
      const out = allocate(type, data.length);
      for (let i = 0; i < data.length; i++) {
        const value = Number(data[i]);
        const clipped = value < lowest ? lowest : value > highest ? highest : value;
        if (out instanceof BigInt64Array) out[i] = BigInt(clipped);
        else (out as Float32Array)[i] = clipped;
      }
      return [{ type, dims: x.dims, data: out }];
    };
  },
};

export const mathOperators: OpDefinition[] = [
  matMul,
  gemm,
  reduceOp("ReduceSum", 13, "sum"),
  reduceOp("ReduceMean", 18, "mean"),
  reduceOp("ReduceMax", 18, "max"),
  reduceOp("ReduceMin", 18, "min"),
  reduceOp("ReduceProd", 18, "prod"),
  argOp("ArgMax", true),
  argOp("ArgMin", false),
  softmax,
  clip,
];
