import { NodeIssue } from "../graph/attribute-reader.ts";
import { type EngineTensor, type EngineTensorType, sizeOf } from "../tensor.ts";
import { kernelFailure, requireInput } from "./kernel-support.ts";
import type { CompileRequest, Kernel, OpDefinition } from "./op-types.ts";

const f = Math.fround;

function mlOp(
  op: string,
  attributes: readonly string[],
  compile: OpDefinition["compile"],
  kernel: OpDefinition["kernel"],
  inputs = 1,
): OpDefinition {
  return {
    domain: "ai.onnx.ml",
    op,
    since: 1,
    until: 5,
    attributes,
    inputs: { min: inputs, max: inputs },
    outputs: { min: 1, max: 1 },
    compile,
    kernel,
  };
}

function inputType(request: CompileRequest, allowed: readonly EngineTensorType[]): EngineTensorType {
  const type = requireInput(request, 0).type;
  if (!allowed.includes(type))
    throw new NodeIssue(`input type ${type} is not supported (${allowed.join("|")})`);
  return type;
}

function stride(input: EngineTensor, op: string): number {
  if (input.dims.length === 0) kernelFailure(`${op}: input has no dimensions`);
  return (input.dims.length === 1 ? input.dims[0] : input.dims[1]) as number;
}

const scaler = mlOp(
  "Scaler",
  ["scale", "offset"],
  (request) => {
    const type = inputType(request, ["float32", "float64", "int64", "int32"]);
    const scale = request.attributes.floats("scale") ?? new Float32Array(0);
    const offset = request.attributes.floats("offset") ?? new Float32Array(0);
    if (scale.length === 0) throw new NodeIssue("scale is empty", "scale");
    if (scale.length !== offset.length) throw new NodeIssue("scale and offset differ in length", "offset");
    return { outputs: ["float32"], arrays: { scale, offset }, params: { inputType: type } };
  },
  (spec): Kernel => {
    const scale = spec.arrays.scale as Float32Array;
    const offset = spec.arrays.offset as Float32Array;
    const inputType = spec.params.inputType as EngineTensorType;
    const width = scale.length;
    return ([input]) => {
      const x = input as EngineTensor;
      const columns = stride(x, "Scaler");
      if (width !== columns && width !== 1)
        kernelFailure(`Scaler: scale has ${width} values for ${columns} features`);
      const out = new Float32Array(x.data.length);
      const data = x.data as ArrayLike<number | bigint>;
      for (let i = 0; i < out.length; i++) {
        const k = width === 1 ? 0 : i % columns;
        const value = data[i] as number | bigint;
        if (inputType === "float64")
          out[i] = ((value as number) - (offset[k] as number)) * (scale[k] as number);
        else out[i] = f(f(f(Number(value)) - (offset[k] as number)) * (scale[k] as number));
      }
      return [{ type: "float32", dims: x.dims, data: out }];
    };
  },
);

const imputer = mlOp(
  "Imputer",
  ["imputed_value_floats", "replaced_value_float", "imputed_value_int64s", "replaced_value_int64"],
  (request) => {
    const type = inputType(request, ["float32", "int64"]);
    const floats = request.attributes.floats("imputed_value_floats");
    const ints = request.attributes.ints("imputed_value_int64s");
    if ((floats && floats.length > 0) === (ints && ints.length > 0))
      throw new NodeIssue("exactly one of imputed_value_floats and imputed_value_int64s is required");
    if (type === "float32") {
      if (!floats?.length)
        throw new NodeIssue("float input needs imputed_value_floats", "imputed_value_floats");
      return {
        outputs: [type],
        arrays: { imputed: floats },
        params: { replaced: request.attributes.float("replaced_value_float", 0) },
      };
    }
    if (!ints?.length) throw new NodeIssue("int64 input needs imputed_value_int64s", "imputed_value_int64s");
    return {
      outputs: [type],
      arrays: { imputed: BigInt64Array.from(ints, (value) => BigInt(value)) },
      params: { replaced: request.attributes.int("replaced_value_int64", 0) },
    };
  },
  (spec): Kernel => {
    const imputed = spec.arrays.imputed as Float32Array | BigInt64Array;
    const type = spec.outputTypes[0] as EngineTensorType;
    const replacedNumber = spec.params.replaced as number;
    return ([input]) => {
      const x = input as EngineTensor;
      const columns = stride(x, "Imputer");
      const perColumn = imputed.length === columns;
      if (type === "int64") {
        const data = x.data as BigInt64Array;
        const replaced = BigInt(replacedNumber);
        const out = new BigInt64Array(data.length);
        for (let i = 0; i < data.length; i++)
          out[i] =
            data[i] === replaced
              ? ((imputed as BigInt64Array)[perColumn ? i % columns : 0] as bigint)
              : (data[i] as bigint);
        return [{ type, dims: x.dims, data: out }];
      }
      const data = x.data as Float32Array;
      const out = new Float32Array(data.length);
      const replaceNaN = Number.isNaN(replacedNumber);
      for (let i = 0; i < data.length; i++) {
        const value = data[i] as number;
        const hit = replaceNaN ? Number.isNaN(value) : value === replacedNumber;
        out[i] = hit ? ((imputed as Float32Array)[perColumn ? i % columns : 0] as number) : value;
      }
      return [{ type, dims: x.dims, data: out }];
    };
  },
);

const binarizer = mlOp(
  "Binarizer",
  ["threshold"],
  (request) => {
    inputType(request, ["float32"]);
    return { outputs: ["float32"], params: { threshold: f(request.attributes.float("threshold", 1)) } };
  },
  (spec): Kernel => {
    const threshold = spec.params.threshold as number;
    return ([input]) => {
      const x = input as EngineTensor;
      const data = x.data as Float32Array;
      const out = new Float32Array(data.length);
      for (let i = 0; i < data.length; i++) {
        const value = data[i] as number;
        if (Number.isNaN(value)) kernelFailure(`Binarizer: input ${i} is NaN`);
        out[i] = value > threshold ? 1 : 0;
      }
      return [{ type: "float32", dims: x.dims, data: out }];
    };
  },
);

const normalizer = mlOp(
  "Normalizer",
  ["norm"],
  (request) => {
    inputType(request, ["float32", "float64", "int64", "int32"]);
    const norm = request.attributes.string("norm", "MAX");
    if (!["MAX", "L1", "L2"].includes(norm)) throw new NodeIssue(`norm ${norm} is not MAX, L1 or L2`, "norm");
    return { outputs: ["float32"], params: { norm } };
  },
  (spec): Kernel => {
    const norm = spec.params.norm as string;
    return ([input]) => {
      const x = input as EngineTensor;
      const columns = stride(x, "Normalizer");
      const data = x.data as ArrayLike<number | bigint>;
      const values = Float64Array.from({ length: data.length }, (_, i) => Number(data[i]));
      const out = new Float32Array(values.length);
      const increment = x.dims.length > 1 ? sizeOf(x.dims.slice(2)) : 1;
      const loops = columns === 0 ? 0 : values.length / columns;
      for (let n = 0; n < loops; n++) {
        const offset = (n % increment) + Math.floor(n / increment) * columns * increment;
        if (norm === "MAX") {
          let max = -3.4028234663852886e38;
          for (let s = 0, i = offset; s < columns; s++, i += increment) {
            const value = f(values[i] as number);
            if (max < value) max = value; // std::max: a later NaN never replaces the running maximum
          }
          for (let s = 0, i = offset; s < columns; s++, i += increment)
            out[i] = max !== 0 ? f(values[i] as number) / max : (values[i] as number);
        } else if (norm === "L1") {
          let sum = 0;
          for (let s = 0, i = offset; s < columns; s++, i += increment)
            sum = f(sum + f(Math.abs(values[i] as number)));
          for (let s = 0, i = offset; s < columns; s++, i += increment)
            out[i] = sum !== 0 ? f(values[i] as number) / sum : (values[i] as number);
        } else {
          let sum = 0;
          const squares = new Float32Array(columns);
          for (let s = 0, i = offset; s < columns; s++, i += increment) {
            const value = values[i] as number;
            squares[s] = value * value;
            sum = f(sum + (squares[s] as number));
          }
          for (let s = 0, i = offset; s < columns; s++, i += increment) {
            const value = values[i] as number;
            if (sum === 0) out[i] = value;
            else {
              const root = f(Math.sqrt(f((squares[s] as number) / sum)));
              out[i] = value < 0 ? -root : root;
            }
          }
        }
      }
      return [{ type: "float32", dims: x.dims, data: out }];
    };
  },
);

const oneHotEncoder = mlOp(
  "OneHotEncoder",
  ["cats_int64s", "cats_strings", "zeros"],
  (request) => {
    const type = inputType(request, ["string", "int64", "float32", "float64"]);
    const strings = request.attributes.strings("cats_strings");
    const ints = request.attributes.ints("cats_int64s");
    const zeros = request.attributes.int("zeros", 1);
    if (type === "string") {
      if (!strings?.length) throw new NodeIssue("string input needs cats_strings", "cats_strings");
      return { outputs: ["float32"], params: { strings, zeros } };
    }
    if (!ints?.length) throw new NodeIssue("numeric input needs cats_int64s", "cats_int64s");
    return { outputs: ["float32"], params: { ints: Array.from(ints), zeros } };
  },
  (spec): Kernel => {
    const strings = spec.params.strings as string[] | undefined;
    const ints = spec.params.ints as number[] | undefined;
    const zeros = spec.params.zeros !== 0;
    const lookup = new Map<string | number, number>();
    (strings ?? ints ?? []).forEach((category, index) => {
      if (!lookup.has(category)) lookup.set(category, index);
    });
    const count = (strings ?? ints ?? []).length;
    return ([input]) => {
      const x = input as EngineTensor;
      const data = x.data as ArrayLike<string | number | bigint>;
      const out = new Float32Array(data.length * count);
      for (let i = 0; i < data.length; i++) {
        const raw = data[i] as string | number | bigint;
        const key = typeof raw === "string" ? raw : typeof raw === "bigint" ? Number(raw) : Math.trunc(raw);
        const position = lookup.get(key);
        if (position === undefined) {
          if (!zeros) kernelFailure("OneHotEncoder: unknown category and zeros = 0");
          continue;
        }
        out[i * count + position] = 1;
      }
      return [{ type: "float32", dims: [...x.dims, count], data: out }];
    };
  },
);

const arrayFeatureExtractor = mlOp(
  "ArrayFeatureExtractor",
  [],
  (request) => {
    const type = inputType(request, ["float32", "float64", "int64", "int32", "string"]);
    const indices = requireInput(request, 1).type;
    if (indices !== "int64") throw new NodeIssue("indices must be int64");
    return { outputs: [type] };
  },
  (spec): Kernel => {
    const type = spec.outputTypes[0] as EngineTensorType;
    return ([input, indexInput]) => {
      const x = input as EngineTensor;
      const indices = (indexInput as EngineTensor).data as BigInt64Array;
      const rank = x.dims.length;
      if (rank === 0) kernelFailure("ArrayFeatureExtractor: input has no dimensions");
      const columns = x.dims[rank - 1] as number;
      if (indices.length === 0) kernelFailure("ArrayFeatureExtractor: no indices");
      const positions = Array.from(indices, (value) => {
        const position = Number(value);
        if (!(position >= 0 && position < columns))
          kernelFailure(`ArrayFeatureExtractor: index ${position} is out of range`);
        return position;
      });
      const outDims = rank === 1 ? [1, positions.length] : [...x.dims.slice(0, -1), positions.length];
      const rows = columns === 0 ? 0 : x.data.length / columns;
      const from = x.data as ArrayLike<unknown>;
      const out = (
        type === "string"
          ? new Array<string>(rows * positions.length)
          : new (from.constructor as new (length: number) => { [i: number]: unknown })(
              rows * positions.length,
            )
      ) as { [i: number]: unknown };
      let target = 0;
      for (let r = 0; r < rows; r++)
        for (const position of positions) out[target++] = from[r * columns + position];
      return [{ type, dims: outDims, data: out as EngineTensor["data"] }];
    };
  },
  2,
);

export const preprocessingOperators: OpDefinition[] = [
  scaler,
  imputer,
  binarizer,
  normalizer,
  oneHotEncoder,
  arrayFeatureExtractor,
];
