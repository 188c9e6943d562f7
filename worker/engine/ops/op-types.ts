import type { AttributeReader } from "../graph/attribute-reader.ts";
import type { OnnxNode } from "../proto/onnx-model.ts";
import type { EngineTensor, EngineTensorType } from "../tensor.ts";

/** Typed arrays an operator may store in the compiled artifact's sections. */
export type ArrayData = Float32Array | Float64Array | Int32Array | Uint8Array | Uint16Array | BigInt64Array;

/** JSON-serialisable parameters of one compiled step (non-finite numbers are allowed). */
export type Params = Record<string, unknown>;

export interface InputFacts {
  type: EngineTensorType;
  /** Known at compile time: an initializer, a Constant node or a folded subgraph. */
  constant?: EngineTensor;
}

export interface CompileRequest {
  node: OnnxNode;
  /** The model's opset for the operator's domain. */
  opset: number;
  attributes: AttributeReader;
  /** One entry per node input; undefined for an omitted optional input (""). */
  inputs: (InputFacts | undefined)[];
}

export interface CompiledNode {
  outputs: EngineTensorType[];
  params?: Params;
  arrays?: Record<string, ArrayData>;
  treeNodes?: number;
  /** The outputs are fully known now (Constant): no step is emitted. */
  constants?: EngineTensor[];
}

export interface KernelSpec {
  params: Params;
  arrays: Record<string, ArrayData>;
  inputTypes: (EngineTensorType | null)[];
  outputTypes: EngineTensorType[];
  /** Input positions whose value is a compile-time constant (kernels may precompute from them). */
  constantInputs: (EngineTensor | undefined)[];
}

/** Computes a node's outputs; never mutates its inputs. */
export type Kernel = (inputs: readonly (EngineTensor | undefined)[]) => EngineTensor[];

export interface OpDefinition {
  domain: "ai.onnx" | "ai.onnx.ml";
  op: string;
  /** Supported range of the model's opset for this domain. */
  since: number;
  until: number;
  attributes: readonly string[];
  inputs: { min: number; max: number };
  outputs: { min: number; max: number };
  /** Whether constant inputs may be folded at compile time (default true). */
  foldable?: boolean;
  compile(request: CompileRequest): CompiledNode;
  kernel(spec: KernelSpec): Kernel;
}
