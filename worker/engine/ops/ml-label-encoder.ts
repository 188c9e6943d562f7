import { NodeIssue } from "../graph/attribute-reader.ts";
import type { EngineTensor, EngineTensorType } from "../tensor.ts";
import { requireInput } from "./kernel-support.ts";
import type { CompileRequest, Kernel, OpDefinition } from "./op-types.ts";

type Key = string | number;

const ATTRIBUTES = [
  "classes_strings",
  "default_float",
  "default_int64",
  "default_string",
  "default_tensor",
  "keys_floats",
  "keys_int64s",
  "keys_strings",
  "keys_tensor",
  "values_floats",
  "values_int64s",
  "values_strings",
  "values_tensor",
];

interface Mapping {
  keys: Key[];
  values: Key[];
  valueType: EngineTensorType;
  fallback: Key;
}

function fromV1(request: CompileRequest, inputType: EngineTensorType): Mapping {
  const classes = request.attributes.strings("classes_strings") ?? [];
  if (inputType === "string")
    return {
      keys: classes,
      values: classes.map((_, index) => index),
      valueType: "int64",
      fallback: request.attributes.int("default_int64", -1),
    };
  if (inputType !== "int64") throw new NodeIssue(`input type ${inputType} is not supported`);
  return {
    keys: classes.map((_, index) => index),
    values: classes,
    valueType: "string",
    fallback: request.attributes.string("default_string", "_Unused"),
  };
}

function listOf(request: CompileRequest, prefix: "keys" | "values"): [Key[], EngineTensorType] | null {
  const strings = request.attributes.strings(`${prefix}_strings`);
  if (strings) return [strings, "string"];
  const ints = request.attributes.ints(`${prefix}_int64s`);
  if (ints) return [Array.from(ints), "int64"];
  const floats = request.attributes.floats(`${prefix}_floats`);
  if (floats) return [Array.from(floats), "float32"];
  const tensor = request.attributes.tensor(`${prefix}_tensor`);
  if (tensor) {
    if (tensor.type === "string") return [tensor.data as string[], "string"];
    if (tensor.type === "bool" || tensor.type === "int32")
      throw new NodeIssue(`${tensor.type} ${prefix} are not supported`);
    return [Array.from(tensor.data as ArrayLike<number | bigint>, (value) => Number(value)), tensor.type];
  }
  return null;
}

function fallbackFor(request: CompileRequest, type: EngineTensorType): Key {
  const tensor = request.attributes.tensor("default_tensor");
  if (tensor) {
    if (tensor.type !== type || tensor.data.length !== 1)
      throw new NodeIssue("default_tensor does not match the values", "default_tensor");
    const value = tensor.data[0] as Key | bigint;
    return typeof value === "bigint" ? Number(value) : value;
  }
  if (type === "string") return request.attributes.string("default_string", "_Unused");
  if (type === "int64") return request.attributes.int("default_int64", -1);
  return request.attributes.float("default_float", -0);
}

const labelEncoder: OpDefinition = {
  domain: "ai.onnx.ml",
  op: "LabelEncoder",
  since: 1,
  until: 5,
  attributes: ATTRIBUTES,
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const inputType = requireInput(request, 0).type;
    let mapping: Mapping;
    if (request.opset < 2) mapping = fromV1(request, inputType);
    else {
      const keys = listOf(request, "keys");
      const values = listOf(request, "values");
      if (!keys || !values) throw new NodeIssue("keys and values are required");
      if (keys[0].length !== values[0].length) throw new NodeIssue("keys and values differ in length");
      if (keys[1] !== inputType) throw new NodeIssue(`keys are ${keys[1]} but the input is ${inputType}`);
      mapping = {
        keys: keys[0],
        values: values[0],
        valueType: values[1],
        fallback: fallbackFor(request, values[1]),
      };
    }
    return {
      outputs: [mapping.valueType],
      params: {
        keys: mapping.keys,
        values: mapping.values,
        fallback: mapping.fallback,
        nanKeys: request.opset >= 4,
      },
    };
  },
  kernel(spec): Kernel {
    const { keys, values, fallback, nanKeys } = spec.params as {
      keys: Key[];
      values: Key[];
      fallback: Key;
      nanKeys: boolean;
    };
    const type = spec.outputTypes[0] as EngineTensorType;
    const lookup = new Map<Key, Key>();
    let nanValue: Key | undefined;
    keys.forEach((key, index) => {
      if (typeof key === "number" && Number.isNaN(key)) {
        if (nanKeys && nanValue === undefined) nanValue = values[index] as Key;
      } else if (!lookup.has(key)) lookup.set(key, values[index] as Key);
    });
    return ([input]) => {
      const x = input as EngineTensor;
      const data = x.data as ArrayLike<Key | bigint>;
      const mapped = Array.from({ length: data.length }, (_, i) => {
        const raw = data[i] as Key | bigint;
        const key = typeof raw === "bigint" ? Number(raw) : raw;
        if (typeof key === "number" && Number.isNaN(key)) return nanValue ?? fallback;
        return lookup.get(key) ?? fallback;
      });
      const out =
        type === "string"
          ? mapped.map(String)
          : type === "int64"
            ? BigInt64Array.from(mapped, (value) => BigInt(value as number))
            : type === "float64"
              ? Float64Array.from(mapped as number[])
              : Float32Array.from(mapped as number[]);
      return [{ type, dims: x.dims, data: out }];
    };
  },
};

export const labelEncoderOperators: OpDefinition[] = [labelEncoder];
