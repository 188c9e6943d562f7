import type { GraphIssue } from "./errors.ts";
import { InvalidModelError } from "./errors.ts";
import { planGraph, tensorInfo } from "./graph/plan-graph.ts";
import { valueDependentMemory } from "./graph/value-taint.ts";
import { decodeOnnxModel, normalizeDomain } from "./proto/decode-onnx.ts";
import { engineTypeOf, type TensorInfo } from "./tensor.ts";

interface OnnxInspection {
  opsets: Record<string, number>;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  ops: { domain: string; op: string; count: number }[];
  treeNodes: number;
  /** Empty => the compact engine can run it. */
  unsupported: GraphIssue[];
  /** Non-empty => refuse for ANY engine (ORT included). */
  valueDependentMemory: GraphIssue[];
}

const TREE_OPS = new Set(["TreeEnsembleRegressor", "TreeEnsembleClassifier", "TreeEnsemble"]);

/** Reads an ONNX model and reports what the compact engine (and any engine) would make of it. */
export function inspectOnnx(onnx: Uint8Array): OnnxInspection {
  const model = decodeOnnxModel(onnx);
  const { graph } = model;
  const initializers = new Set(graph.initializers.map((tensor) => tensor.name));
  const counts = new Map<string, { domain: string; op: string; count: number }>();
  let treeNodes = 0;
  for (const node of graph.nodes) {
    const domain = normalizeDomain(node.domain);
    const key = `${domain}:${node.opType}`;
    const entry = counts.get(key) ?? { domain, op: node.opType, count: 0 };
    entry.count++;
    counts.set(key, entry);
    if (domain === "ai.onnx.ml" && TREE_OPS.has(node.opType)) {
      const ids = node.attributes.find(
        (attribute) => attribute.name === "nodes_treeids" || attribute.name === "nodes_featureids",
      );
      treeNodes += ids?.ints?.length ?? 0;
    }
  }
  let unsupported: GraphIssue[];
  try {
    unsupported = planGraph(model).issues;
  } catch (error) {
    if (error instanceof InvalidModelError) throw error;
    throw new InvalidModelError(`model could not be analysed: ${(error as Error).message}`);
  }
  const describe = (value: (typeof graph.inputs)[number]): TensorInfo => {
    const type = value.kind === "tensor" ? engineTypeOf(value.elemType) : null;
    return type ? tensorInfo(value, type) : { name: value.name, type: "float32", shape: [] };
  };
  return {
    opsets: { ...model.opsets },
    inputs: graph.inputs.filter((input) => !initializers.has(input.name)).map(describe),
    outputs: graph.outputs.map(describe),
    ops: [...counts.values()].sort((a, b) => `${a.domain}:${a.op}`.localeCompare(`${b.domain}:${b.op}`)),
    treeNodes,
    unsupported,
    valueDependentMemory: valueDependentMemory(model),
  };
}
