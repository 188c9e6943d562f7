import { ATTRIBUTE_TYPES, type OnnxAttribute, type OnnxNode } from "../proto/onnx-model.ts";
import type { EngineTensor } from "../tensor.ts";
import { convertTensorProto } from "./onnx-tensor.ts";

const utf8 = new TextDecoder("utf-8");

/** Thrown by an operator's compile step; the driver adds node, op and domain. */
export class NodeIssue extends Error {
  readonly attribute: string | undefined;
  constructor(message: string, attribute?: string) {
    super(message);
    this.attribute = attribute;
  }
}

/** Typed, checked access to a node's attributes; refuses attributes an operator does not know. */
export class AttributeReader {
  private readonly byName = new Map<string, OnnxAttribute>();

  constructor(node: OnnxNode, known: readonly string[]) {
    for (const attribute of node.attributes) {
      if (this.byName.has(attribute.name)) throw new NodeIssue("attribute given twice", attribute.name);
      if (attribute.refAttrName !== undefined)
        throw new NodeIssue("attribute references a function attribute", attribute.name);
      if (!known.includes(attribute.name))
        throw new NodeIssue("attribute is not supported by the compact engine", attribute.name);
      this.byName.set(attribute.name, attribute);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  private typed(name: string, type: number): OnnxAttribute | undefined {
    const attribute = this.byName.get(name);
    if (attribute && attribute.type !== type)
      throw new NodeIssue(`attribute has type ${attribute.type}, expected ${type}`, name);
    return attribute;
  }

  int(name: string, fallback: number): number;
  int(name: string): number | undefined;
  int(name: string, fallback?: number): number | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.INT);
    return attribute ? (attribute.i ?? 0) : fallback;
  }

  float(name: string, fallback: number): number;
  float(name: string): number | undefined;
  float(name: string, fallback?: number): number | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.FLOAT);
    return attribute ? (attribute.f ?? 0) : fallback;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.STRING);
    return attribute ? utf8.decode(attribute.s ?? new Uint8Array(0)) : fallback;
  }

  ints(name: string): Float64Array | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.INTS);
    return attribute ? (attribute.ints ?? new Float64Array(0)) : undefined;
  }

  floats(name: string): Float32Array | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.FLOATS);
    return attribute ? (attribute.floats ?? new Float32Array(0)) : undefined;
  }

  strings(name: string): string[] | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.STRINGS);
    return attribute ? (attribute.strings?.toArray() ?? []) : undefined;
  }

  /** A strings attribute as positions in `table` (-1 for anything else), without decoding each string. */
  stringCodes(name: string, table: readonly string[]): Int16Array | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.STRINGS);
    return attribute ? (attribute.strings?.codes(table) ?? new Int16Array(0)) : undefined;
  }

  tensor(name: string): EngineTensor | undefined {
    const attribute = this.typed(name, ATTRIBUTE_TYPES.TENSOR);
    if (!attribute?.t) return undefined;
    const converted = convertTensorProto(attribute.t);
    if ("problem" in converted) throw new NodeIssue(converted.problem, name);
    return converted.tensor;
  }
}
