import { NodeIssue } from "../graph/attribute-reader.ts";
import { type EngineTensor, type EngineTensorType, engineTypeOf } from "../tensor.ts";
import { floatToInt32, floatToInt64, kernelFailure, requireInput } from "./kernel-support.ts";
import type { Kernel, OpDefinition } from "./op-types.ts";

/** C's "%.8g", the text onnxruntime gives a float or double cast to string ("NaN", "INF", "-INF"). */
function formatFloat(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "INF";
  if (value === -Infinity) return "-INF";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential(7).split("e") as [string, string];
  const exponent = Number(exponentText);
  const trim = (text: string) => (text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text);
  if (exponent < -4 || exponent >= 8) {
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return `${trim(mantissa)}e${exponent < 0 ? "-" : "+"}${digits}`;
  }
  return trim(value.toFixed(7 - exponent));
}

/** Converts one tensor to another engine type with C++ static_cast semantics (x86). */
function castTensor(source: EngineTensor, to: EngineTensorType): EngineTensor {
  if (source.type === to) return source;
  const { dims } = source;
  const from = source.data;
  const length = from.length;
  if (to === "string") {
    const out = new Array<string>(length);
    const float = source.type === "float32" || source.type === "float64";
    for (let i = 0; i < length; i++) out[i] = float ? formatFloat(from[i] as number) : String(from[i]);
    return { type: to, dims, data: out };
  }
  if (source.type === "string") kernelFailure("Cast: string to number is not supported");
  const values = from as ArrayLike<number | bigint>;
  switch (to) {
    case "float32":
    case "float64": {
      const out = to === "float32" ? new Float32Array(length) : new Float64Array(length);
      for (let i = 0; i < length; i++) out[i] = Number(values[i]);
      return { type: to, dims, data: out };
    }
    case "int64": {
      const out = new BigInt64Array(length);
      if (source.type === "float32" || source.type === "float64")
        for (let i = 0; i < length; i++) out[i] = floatToInt64(values[i] as number);
      else for (let i = 0; i < length; i++) out[i] = BigInt(values[i] as number);
      return { type: to, dims, data: out };
    }
    case "int32": {
      const out = new Int32Array(length);
      if (source.type === "float32" || source.type === "float64")
        for (let i = 0; i < length; i++) out[i] = floatToInt32(values[i] as number);
      else if (source.type === "int64")
        for (let i = 0; i < length; i++) out[i] = Number(BigInt.asIntN(32, values[i] as bigint));
      else for (let i = 0; i < length; i++) out[i] = values[i] as number;
      return { type: to, dims, data: out };
    }
    case "bool": {
      const out = new Uint8Array(length);
      for (let i = 0; i < length; i++) {
        const value = values[i];
        out[i] = typeof value === "bigint" ? (value !== 0n ? 1 : 0) : value !== 0 ? 1 : 0;
      }
      return { type: to, dims, data: out };
    }
  }
}

const cast: OpDefinition = {
  domain: "ai.onnx",
  op: "Cast",
  since: 6,
  until: 23,
  attributes: ["to", "saturate"],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const from = requireInput(request, 0).type;
    const code = request.attributes.int("to");
    if (code === undefined) throw new NodeIssue("to is required", "to");
    const to = engineTypeOf(code);
    if (!to) throw new NodeIssue(`cast to ONNX type ${code} is not supported`, "to");
    if (from === "string" && to !== "string")
      throw new NodeIssue("cast from string to numbers is not supported", "to");
    return { outputs: [to], params: { to } };
  },
  kernel(spec): Kernel {
    const to = spec.params.to as EngineTensorType;
    return ([input]) => [castTensor(input as EngineTensor, to)];
  },
};

const CONSTANT_ATTRIBUTES = [
  "value",
  "value_float",
  "value_floats",
  "value_int",
  "value_ints",
  "value_string",
  "value_strings",
] as const;

const constant: OpDefinition = {
  domain: "ai.onnx",
  op: "Constant",
  since: 1,
  until: 23,
  attributes: CONSTANT_ATTRIBUTES,
  inputs: { min: 0, max: 0 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const { attributes } = request;
    const present = CONSTANT_ATTRIBUTES.filter((name) => attributes.has(name));
    if (present.length !== 1) throw new NodeIssue("exactly one value attribute is required");
    let value: EngineTensor;
    switch (present[0]) {
      case "value":
        value = attributes.tensor("value") as EngineTensor;
        break;
      case "value_float":
        value = { type: "float32", dims: [], data: Float32Array.of(attributes.float("value_float", 0)) };
        break;
      case "value_floats": {
        const floats = attributes.floats("value_floats") as Float32Array;
        value = { type: "float32", dims: [floats.length], data: floats };
        break;
      }
      case "value_int":
        value = { type: "int64", dims: [], data: BigInt64Array.of(BigInt(attributes.int("value_int", 0))) };
        break;
      case "value_ints": {
        const ints = attributes.ints("value_ints") as Float64Array;
        value = { type: "int64", dims: [ints.length], data: BigInt64Array.from(ints, (v) => BigInt(v)) };
        break;
      }
      case "value_string":
        value = { type: "string", dims: [], data: [attributes.string("value_string", "")] };
        break;
      default: {
        const strings = attributes.strings("value_strings") as string[];
        value = { type: "string", dims: [strings.length], data: strings };
      }
    }
    return { outputs: [value.type], constants: [value] };
  },
  kernel(): Kernel {
    throw new Error("Constant is folded at compile time");
  },
};

export const castAndConstantOperators: OpDefinition[] = [cast, constant];
