import type { GraphIssue } from "../errors.ts";
import { normalizeDomain } from "../proto/decode-onnx.ts";
import type { OnnxModel, OnnxNode } from "../proto/onnx-model.ts";
import { topologicalOrder } from "./topological-order.ts";

/** Inputs of standard operators that size an allocation: tainted values there make memory value-dependent. */
const SIZE_OPERANDS: Record<string, number[] | "all"> = {
  ConstantOfShape: [0],
  Expand: [1],
  Tile: [1],
  Range: "all",
  Resize: [2, 3],
  Upsample: [1],
  Pad: [1],
  OneHot: [1],
  MaxUnpool: [2],
  Col2Im: [1, 2],
  CenterCropPad: [1],
  DFT: [1],
  STFT: [2, 3],
  MelWeightMatrix: [0, 1],
  BlackmanWindow: [0],
  HannWindow: [0],
  HammingWindow: [0],
  AffineGrid: [1],
  ImageDecoder: [0],
};

const CONTROL_FLOW = new Set(["Loop", "Scan", "If"]);

/** Operators whose output shape depends on input values (bounded by their input sizes). */
const VALUE_SHAPED: Record<string, "all" | "operands"> = {
  NonZero: "all",
  Unique: "all",
  StringSplit: "all",
  NonMaxSuppression: "all",
  Compress: "operands",
  TopK: "operands",
  Slice: "operands",
  Reshape: "operands",
  Squeeze: "operands",
  Unsqueeze: "operands",
  Split: "operands",
};

function issue(node: OnnxNode, message: string, attribute?: string): GraphIssue {
  return {
    node: node.name,
    op: node.opType,
    domain: normalizeDomain(node.domain),
    ...(attribute ? { attribute } : {}),
    message,
  };
}

/**
 * Finds nodes whose memory could grow with an input VALUE (not just the input's size).
 * Values derived from graph input values are tainted; Shape/Size outputs are tainted only
 * when the shape itself came from values (NonZero, a tainted Reshape, ...).
 */
export function valueDependentMemory(model: OnnxModel): GraphIssue[] {
  const { graph } = model;
  const initializers = new Set(graph.initializers.map((tensor) => tensor.name));
  const valueTainted = new Set<string>();
  const shapeTainted = new Set<string>();
  // Every graph input is tainted, including one that also has an initializer: onnxruntime lets a caller override it.
  for (const input of graph.inputs) valueTainted.add(input.name);
  const issues: GraphIssue[] = [];
  const { order, stuck } = topologicalOrder(graph, [
    ...initializers,
    ...graph.inputs.map((input) => input.name),
  ]);
  const stuckNodes = new Set(stuck);
  for (const index of [...order, ...stuck]) {
    const node = graph.nodes[index] as OnnxNode;
    const domain = normalizeDomain(node.domain);
    const standard = domain === "ai.onnx";
    const inputsValue = node.inputs.map((name) => name !== "" && valueTainted.has(name));
    const inputsShape = node.inputs.map((name) => name !== "" && shapeTainted.has(name));
    const graphAttribute = node.attributes.find((attribute) => attribute.hasGraph);
    if (standard && CONTROL_FLOW.has(node.opType))
      issues.push(issue(node, "control flow can repeat or size work by input values"));
    else if (graphAttribute)
      issues.push(issue(node, "a subgraph attribute can size work by input values", graphAttribute.name));
    const operands = standard ? SIZE_OPERANDS[node.opType] : undefined;
    if (operands) {
      const positions = operands === "all" ? node.inputs.map((_, i) => i) : operands;
      const tainted = positions.filter((position) => inputsValue[position]);
      if (tainted.length > 0)
        issues.push(issue(node, `size operand (input ${tainted.join(", ")}) is computed from input values`));
    }
    const anyValue = inputsValue.some(Boolean) || stuckNodes.has(index);
    const anyShape = inputsShape.some(Boolean) || stuckNodes.has(index);
    const valueShaped = standard ? VALUE_SHAPED[node.opType] : undefined;
    const shapedByValues =
      valueShaped === "all"
        ? anyValue
        : valueShaped === "operands"
          ? inputsValue.slice(1).some(Boolean)
          : false;
    const shapeOnly = standard && (node.opType === "Shape" || node.opType === "Size");
    const outputsValue = shapeOnly ? anyShape : anyValue;
    const outputsShape =
      anyShape || (operands !== undefined && anyValue) || shapedByValues || Boolean(graphAttribute);
    for (const output of node.outputs) {
      if (output === "") continue;
      if (outputsValue) valueTainted.add(output);
      if (outputsShape) shapeTainted.add(output);
    }
  }
  return issues;
}
