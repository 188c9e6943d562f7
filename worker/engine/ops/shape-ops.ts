import { NodeIssue } from "../graph/attribute-reader.ts";
import { type EngineTensor, sizeOf } from "../tensor.ts";
import { kernelFailure, normalizeAxis, requireConstantIntegers, requireInput } from "./kernel-support.ts";
import type { CompileRequest, Kernel, KernelSpec, OpDefinition } from "./op-types.ts";

function passType(request: CompileRequest) {
  return { outputs: [requireInput(request, 0).type] };
}

function reshaped(input: EngineTensor, dims: number[]): EngineTensor {
  return { type: input.type, dims, data: input.data };
}

/** Resolves a Reshape target (0 = copy, -1 = infer) against the input's dims. */
function resolveShape(target: readonly number[], dims: readonly number[], allowZero: boolean): number[] {
  const out = target.map((dim, index) =>
    dim === 0 && !allowZero ? (dims[index] ?? kernelFailure("Reshape: 0 refers past the input rank")) : dim,
  );
  const size = sizeOf(dims);
  const inferred = out.indexOf(-1);
  if (inferred >= 0) {
    const known = out.reduce((product, dim, index) => (index === inferred ? product : product * dim), 1);
    if (known === 0 || size % known !== 0)
      kernelFailure(`Reshape: cannot infer a dimension of [${out.join(",")}] for ${size} elements`);
    out[inferred] = size / known;
  }
  if (sizeOf(out) !== size) kernelFailure(`Reshape: [${dims.join(",")}] cannot become [${out.join(",")}]`);
  return out;
}

const reshape: OpDefinition = {
  domain: "ai.onnx",
  op: "Reshape",
  since: 5,
  until: 23,
  attributes: ["allowzero"],
  inputs: { min: 2, max: 2 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const shape = requireConstantIntegers(request, 1, "shape");
    if (shape.filter((dim) => dim === -1).length > 1) throw new NodeIssue("shape has more than one -1");
    if (shape.some((dim) => dim < -1)) throw new NodeIssue("shape has a negative dimension");
    const allowZero = request.attributes.int("allowzero", 0) === 1;
    if (allowZero && shape.includes(0) && shape.includes(-1))
      throw new NodeIssue("allowzero with both 0 and -1");
    return { outputs: [requireInput(request, 0).type], params: { shape, allowZero } };
  },
  kernel(spec: KernelSpec): Kernel {
    const shape = spec.params.shape as number[];
    const allowZero = spec.params.allowZero as boolean;
    return ([input]) => [
      reshaped(input as EngineTensor, resolveShape(shape, (input as EngineTensor).dims, allowZero)),
    ];
  },
};

const flatten: OpDefinition = {
  domain: "ai.onnx",
  op: "Flatten",
  since: 1,
  until: 23,
  attributes: ["axis"],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    return { ...passType(request), params: { axis: request.attributes.int("axis", 1) } };
  },
  kernel(spec): Kernel {
    const axis = spec.params.axis as number;
    return ([input]) => {
      const dims = (input as EngineTensor).dims;
      const at = axis < 0 ? axis + dims.length : axis;
      if (at < 0 || at > dims.length) kernelFailure(`Flatten: axis ${axis} out of range`);
      const outer = sizeOf(dims.slice(0, at));
      return [reshaped(input as EngineTensor, [outer, sizeOf(dims.slice(at))])];
    };
  },
};

function axesOf(request: CompileRequest, what: string, required: boolean): number[] | null {
  if (request.opset >= 13) {
    if (!request.inputs[1]) {
      if (required) throw new NodeIssue(`${what}: axes input is required`);
      return null;
    }
    return requireConstantIntegers(request, 1, "axes");
  }
  const axes = request.attributes.ints("axes");
  if (!axes) {
    if (required) throw new NodeIssue("axes attribute is required", "axes");
    return null;
  }
  return Array.from(axes);
}

const squeeze: OpDefinition = {
  domain: "ai.onnx",
  op: "Squeeze",
  since: 1,
  until: 23,
  attributes: ["axes"],
  inputs: { min: 1, max: 2 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    return { ...passType(request), params: { axes: axesOf(request, "Squeeze", false) } };
  },
  kernel(spec): Kernel {
    const axes = spec.params.axes as number[] | null;
    return ([input]) => {
      const dims = (input as EngineTensor).dims;
      let drop: Set<number>;
      if (axes === null) drop = new Set(dims.flatMap((dim, index) => (dim === 1 ? [index] : [])));
      else {
        drop = new Set(axes.map((axis) => normalizeAxis(axis, dims.length)));
        for (const axis of drop) if (dims[axis] !== 1) kernelFailure(`Squeeze: dimension ${axis} is not 1`);
      }
      return [
        reshaped(
          input as EngineTensor,
          dims.filter((_, index) => !drop.has(index)),
        ),
      ];
    };
  },
};

const unsqueeze: OpDefinition = {
  domain: "ai.onnx",
  op: "Unsqueeze",
  since: 1,
  until: 23,
  attributes: ["axes"],
  inputs: { min: 1, max: 2 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    return { ...passType(request), params: { axes: axesOf(request, "Unsqueeze", true) } };
  },
  kernel(spec): Kernel {
    const axes = spec.params.axes as number[];
    return ([input]) => {
      const dims = (input as EngineTensor).dims;
      const rank = dims.length + axes.length;
      const inserted = new Set(axes.map((axis) => normalizeAxis(axis, rank)));
      if (inserted.size !== axes.length) kernelFailure("Unsqueeze: repeated axes");
      const out: number[] = [];
      let next = 0;
      for (let axis = 0; axis < rank; axis++) out.push(inserted.has(axis) ? 1 : (dims[next++] as number));
      return [reshaped(input as EngineTensor, out)];
    };
  },
};

const identity: OpDefinition = {
  domain: "ai.onnx",
  op: "Identity",
  since: 1,
  until: 23,
  attributes: [],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile: passType,
  kernel: (): Kernel => (inputs) => [inputs[0] as EngineTensor],
};

const dropout: OpDefinition = {
  domain: "ai.onnx",
  op: "Dropout",
  since: 1,
  until: 23,
  attributes: ["seed", "ratio", "is_test"],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile: passType,
  kernel: (): Kernel => (inputs) => [inputs[0] as EngineTensor],
};

const shape: OpDefinition = {
  domain: "ai.onnx",
  op: "Shape",
  since: 1,
  until: 23,
  attributes: ["start", "end"],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    requireInput(request, 0);
    return {
      outputs: ["int64"],
      params: { start: request.attributes.int("start", 0), end: request.attributes.int("end") ?? null },
    };
  },
  kernel(spec): Kernel {
    const start = spec.params.start as number;
    const end = spec.params.end as number | null;
    return ([input]) => {
      const dims = (input as EngineTensor).dims;
      const clamp = (value: number) =>
        Math.min(dims.length, Math.max(0, value < 0 ? value + dims.length : value));
      const picked = dims.slice(clamp(start), end === null ? dims.length : clamp(end));
      return [
        { type: "int64", dims: [picked.length], data: BigInt64Array.from(picked, (dim) => BigInt(dim)) },
      ];
    };
  },
};

export const shapeOperators: OpDefinition[] = [
  reshape,
  flatten,
  squeeze,
  unsqueeze,
  identity,
  dropout,
  shape,
];
