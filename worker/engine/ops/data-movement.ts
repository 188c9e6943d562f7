import { NodeIssue } from "../graph/attribute-reader.ts";
import { allocate, type EngineTensor, type EngineTensorType, sizeOf, type TensorData } from "../tensor.ts";
import {
  broadcastDims,
  broadcastIndex,
  kernelFailure,
  normalizeAxis,
  requireInput,
} from "./kernel-support.ts";
import type { Kernel, OpDefinition } from "./op-types.ts";

type Writable = { [index: number]: unknown; length: number };

const concat: OpDefinition = {
  domain: "ai.onnx",
  op: "Concat",
  since: 4,
  until: 23,
  attributes: ["axis"],
  inputs: { min: 1, max: 2147483647 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const axis = request.attributes.int("axis");
    if (axis === undefined) throw new NodeIssue("axis is required", "axis");
    const type = requireInput(request, 0).type;
    request.inputs.forEach((input, index) => {
      if (!input) throw new NodeIssue(`input ${index} is required`);
      if (input.type !== type) throw new NodeIssue(`input ${index} has type ${input.type}, expected ${type}`);
    });
    return { outputs: [type], params: { axis } };
  },
  kernel(spec): Kernel {
    const axisAttribute = spec.params.axis as number;
    const type = spec.outputTypes[0] as EngineTensorType;
    return (inputs) => {
      const first = inputs[0] as EngineTensor;
      const rank = first.dims.length;
      if (rank === 0) kernelFailure("Concat: scalars cannot be concatenated");
      const axis = normalizeAxis(axisAttribute, rank);
      const outDims = [...first.dims];
      let axisTotal = 0;
      for (const input of inputs as EngineTensor[]) {
        if (input.dims.length !== rank) kernelFailure("Concat: inputs differ in rank");
        for (let d = 0; d < rank; d++)
          if (d !== axis && input.dims[d] !== first.dims[d]) kernelFailure("Concat: inputs differ in shape");
        axisTotal += input.dims[axis] as number;
      }
      outDims[axis] = axisTotal;
      const outer = sizeOf(first.dims.slice(0, axis));
      const inner = sizeOf(first.dims.slice(axis + 1));
      const out = allocate(type, sizeOf(outDims)) as Writable;
      const rowWidth = axisTotal * inner;
      let offset = 0;
      for (const input of inputs as EngineTensor[]) {
        const width = (input.dims[axis] as number) * inner;
        const source = input.data as ArrayLike<unknown>;
        if (!Array.isArray(out) && width > 16) {
          const typed = out as unknown as Float32Array;
          const from = source as Float32Array;
          for (let o = 0; o < outer; o++)
            typed.set(from.subarray(o * width, (o + 1) * width), o * rowWidth + offset);
        } else {
          for (let o = 0; o < outer; o++) {
            const target = o * rowWidth + offset;
            const start = o * width;
            for (let i = 0; i < width; i++) out[target + i] = source[start + i];
          }
        }
        offset += width;
      }
      return [{ type, dims: outDims, data: out as TensorData }];
    };
  },
};

const gather: OpDefinition = {
  domain: "ai.onnx",
  op: "Gather",
  since: 1,
  until: 23,
  attributes: ["axis"],
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const type = requireInput(request, 0).type;
    const indices = requireInput(request, 1).type;
    if (indices !== "int64" && indices !== "int32") throw new NodeIssue("indices must be int32 or int64");
    return { outputs: [type], params: { axis: request.attributes.int("axis", 0) } };
  },
  kernel(spec): Kernel {
    const axisAttribute = spec.params.axis as number;
    const type = spec.outputTypes[0] as EngineTensorType;
    return ([dataInput, indexInput]) => {
      const source = dataInput as EngineTensor;
      const indexTensor = indexInput as EngineTensor;
      const axis = normalizeAxis(axisAttribute, source.dims.length);
      const axisSize = source.dims[axis] as number;
      const indexData = indexTensor.data as ArrayLike<number | bigint>;
      const positions = new Int32Array(indexData.length);
      for (let i = 0; i < indexData.length; i++) {
        let position = Number(indexData[i]);
        if (position < 0) position += axisSize;
        if (!(position >= 0 && position < axisSize))
          kernelFailure(`Gather: index ${Number(indexData[i])} is out of range`);
        positions[i] = position;
      }
      const outer = sizeOf(source.dims.slice(0, axis));
      const inner = sizeOf(source.dims.slice(axis + 1));
      const outDims = [...source.dims.slice(0, axis), ...indexTensor.dims, ...source.dims.slice(axis + 1)];
      const out = allocate(type, sizeOf(outDims)) as Writable;
      const from = source.data as ArrayLike<unknown>;
      let target = 0;
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < positions.length; k++) {
          const start = (o * axisSize + (positions[k] as number)) * inner;
          for (let i = 0; i < inner; i++) out[target++] = from[start + i];
        }
      }
      return [{ type, dims: outDims, data: out as TensorData }];
    };
  },
};

const where: OpDefinition = {
  domain: "ai.onnx",
  op: "Where",
  since: 9,
  until: 23,
  attributes: [],
  inputs: { min: 3, max: 3 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    if (requireInput(request, 0).type !== "bool") throw new NodeIssue("condition must be bool");
    const type = requireInput(request, 1).type;
    if (requireInput(request, 2).type !== type) throw new NodeIssue("X and Y types differ");
    return { outputs: [type] };
  },
  kernel(spec): Kernel {
    const type = spec.outputTypes[0] as EngineTensorType;
    return ([condition, x, y]) => {
      const c = condition as EngineTensor;
      const a = x as EngineTensor;
      const b = y as EngineTensor;
      const dims = broadcastAll([c.dims, a.dims, b.dims]);
      const size = sizeOf(dims);
      const ci = broadcastIndex(dims, c.dims);
      const ai = broadcastIndex(dims, a.dims);
      const bi = broadcastIndex(dims, b.dims);
      const out = allocate(type, size) as Writable;
      const cd = c.data as Uint8Array;
      const ad = a.data as ArrayLike<unknown>;
      const bd = b.data as ArrayLike<unknown>;
      for (let i = 0; i < size; i++) out[i] = cd[ci[i] as number] ? ad[ai[i] as number] : bd[bi[i] as number];
      return [{ type, dims, data: out as TensorData }];
    };
  },
};

function broadcastAll(shapes: (readonly number[])[]): number[] {
  return broadcastDims(...shapes);
}

export const dataMovementOperators: OpDefinition[] = [concat, gather, where];
