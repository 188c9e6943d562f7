import { EngineInputError, type GraphIssue } from "../errors.ts";
import type { ArrayData, InputFacts, KernelSpec, OpDefinition, Params } from "../ops/op-types.ts";
import { findOperator, operatorKey } from "../ops/registry.ts";
import { normalizeDomain } from "../proto/decode-onnx.ts";
import type { OnnxModel, OnnxNode, OnnxValueInfo } from "../proto/onnx-model.ts";
import { type EngineTensor, type EngineTensorType, engineTypeOf, type TensorInfo } from "../tensor.ts";
import { AttributeReader, NodeIssue } from "./attribute-reader.ts";
import { convertTensorProto } from "./onnx-tensor.ts";
import { topologicalOrder } from "./topological-order.ts";

interface PlannedStep {
  key: string;
  name: string;
  definition: OpDefinition;
  inputs: number[];
  outputs: number[];
  inputTypes: (EngineTensorType | null)[];
  outputTypes: EngineTensorType[];
  params: Params;
  arrays: Record<string, ArrayData>;
  treeNodes: number;
}

interface GraphPlan {
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  inputSlots: number[];
  outputSlots: number[];
  slotCount: number;
  constants: Map<number, EngineTensor>;
  steps: PlannedStep[];
  issues: GraphIssue[];
  treeNodes: number;
}

/** Folding is skipped when a constant subgraph would produce more elements than this. */
const MAX_FOLDED_ELEMENTS = 1 << 20;

export function tensorInfo(value: OnnxValueInfo, type: EngineTensorType): TensorInfo {
  return {
    name: value.name,
    type,
    shape: (value.shape ?? []).map((dim) => dim.value ?? dim.param ?? null),
  };
}

function graphIssue(node: OnnxNode, message: string, attribute?: string): GraphIssue {
  return {
    node: node.name,
    op: node.opType,
    domain: normalizeDomain(node.domain),
    ...(attribute !== undefined ? { attribute } : {}),
    message,
  };
}

function valueIssue(name: string, kind: string, message: string): GraphIssue {
  return { node: name, op: kind, domain: "", message };
}

function trimTrailingEmpty(names: string[]): string[] {
  let end = names.length;
  while (end > 0 && names[end - 1] === "") end--;
  return names.slice(0, end);
}

function runKernelOnce(spec: KernelSpec, definition: OpDefinition, inputs: (EngineTensor | undefined)[]) {
  return definition.kernel(spec)(inputs);
}

/** Checks every node against the operator set, infers types, folds constants and orders the steps. */
export function planGraph(model: OnnxModel): GraphPlan {
  const { graph } = model;
  const issues: GraphIssue[] = [];
  const slots = new Map<string, number>();
  const facts: (InputFacts | undefined)[] = [];
  const constants = new Map<number, EngineTensor>();
  const slotOf = (name: string): number => {
    let slot = slots.get(name);
    if (slot === undefined) {
      slot = facts.length;
      slots.set(name, slot);
      facts.push(undefined);
    }
    return slot;
  };

  for (const initializer of graph.initializers) {
    const converted = convertTensorProto(initializer);
    if ("problem" in converted) {
      issues.push(valueIssue(initializer.name, "initializer", converted.problem));
      continue;
    }
    if (slots.has(initializer.name)) {
      issues.push(valueIssue(initializer.name, "initializer", "initializer name given twice"));
      continue;
    }
    const slot = slotOf(initializer.name);
    facts[slot] = { type: converted.tensor.type, constant: converted.tensor };
    constants.set(slot, converted.tensor);
  }
  if (graph.sparseInitializers > 0)
    issues.push(valueIssue("", "sparse_initializer", "sparse initializers are not supported"));

  const inputs: TensorInfo[] = [];
  const inputSlots: number[] = [];
  for (const input of graph.inputs) {
    if (slots.has(input.name) && constants.has(slots.get(input.name) as number)) continue;
    const type = input.kind === "tensor" ? engineTypeOf(input.elemType) : null;
    if (!type) {
      issues.push(
        valueIssue(
          input.name,
          "graph input",
          `input ${input.name} is a ${input.kind} of ONNX type ${input.elemType}`,
        ),
      );
      continue;
    }
    if (slots.has(input.name)) {
      issues.push(valueIssue(input.name, "graph input", "input name given twice"));
      continue;
    }
    const slot = slotOf(input.name);
    facts[slot] = { type };
    inputs.push(tensorInfo(input, type));
    inputSlots.push(slot);
  }

  const { order, stuck, missing } = topologicalOrder(graph, slots.keys());
  for (const name of missing)
    issues.push(valueIssue(name, "value", `value ${name} is used but never produced`));
  for (const index of stuck) {
    const node = graph.nodes[index] as OnnxNode;
    if (node.inputs.every((input) => !missing.has(input)))
      issues.push(graphIssue(node, "the node is part of a cycle"));
  }
  const produced = new Set<string>();
  for (const node of graph.nodes)
    for (const output of node.outputs) {
      if (output === "") continue;
      if (produced.has(output) || slots.has(output))
        issues.push(graphIssue(node, `value ${output} is produced twice`));
      produced.add(output);
    }

  const steps: PlannedStep[] = [];
  let treeNodes = 0;
  for (const index of order) {
    const node = graph.nodes[index] as OnnxNode;
    const domain = normalizeDomain(node.domain);
    const definition = findOperator(domain, node.opType);
    if (!definition) {
      const message =
        node.opType === "ZipMap"
          ? "ZipMap (sequence/map outputs) is not supported; export classifiers with zipmap=False"
          : "the operator is not in the compact engine's set";
      issues.push(graphIssue(node, message));
      continue;
    }
    const opset = model.opsets[domain];
    if (opset === undefined) {
      issues.push(graphIssue(node, `the model imports no opset for domain ${domain}`));
      continue;
    }
    if (opset < definition.since || opset > definition.until) {
      issues.push(
        graphIssue(
          node,
          `opset ${opset} is outside the supported range ${definition.since}-${definition.until}`,
        ),
      );
      continue;
    }
    const inputNames = trimTrailingEmpty(node.inputs);
    const outputNames = trimTrailingEmpty(node.outputs);
    if (inputNames.length < definition.inputs.min || inputNames.length > definition.inputs.max) {
      issues.push(
        graphIssue(
          node,
          `${inputNames.length} inputs given, ${definition.inputs.min}-${definition.inputs.max} expected`,
        ),
      );
      continue;
    }
    if (outputNames.length < definition.outputs.min || outputNames.length > definition.outputs.max) {
      issues.push(
        graphIssue(
          node,
          `${outputNames.length} outputs given, ${definition.outputs.min}-${definition.outputs.max} expected`,
        ),
      );
      continue;
    }
    const inputFacts = inputNames.map((name) => (name === "" ? undefined : facts[slots.get(name) ?? -1]));
    if (inputNames.some((name, i) => name !== "" && !inputFacts[i])) continue; // an upstream node already failed
    let compiled: ReturnType<OpDefinition["compile"]>;
    try {
      const attributes = new AttributeReader(node, definition.attributes);
      compiled = definition.compile({ node, opset, attributes, inputs: inputFacts });
    } catch (error) {
      if (error instanceof NodeIssue) {
        issues.push(graphIssue(node, error.message, error.attribute));
        continue;
      }
      throw error;
    }
    if (compiled.outputs.length < outputNames.length) {
      issues.push(graphIssue(node, "more outputs than the operator produces"));
      continue;
    }
    const outputSlots = outputNames.map((name) => (name === "" ? -1 : slotOf(name)));
    if (compiled.constants) {
      outputSlots.forEach((slot, i) => {
        const value = compiled.constants?.[i];
        if (slot < 0 || !value) return;
        facts[slot] = { type: value.type, constant: value };
        constants.set(slot, value);
      });
      continue;
    }
    const step: PlannedStep = {
      key: operatorKey(domain, node.opType),
      name: node.name,
      definition,
      inputs: inputNames.map((name) => (name === "" ? -1 : (slots.get(name) as number))),
      outputs: outputSlots,
      inputTypes: inputFacts.map((fact) => fact?.type ?? null),
      outputTypes: compiled.outputs.slice(0, outputNames.length),
      params: compiled.params ?? {},
      arrays: compiled.arrays ?? {},
      treeNodes: compiled.treeNodes ?? 0,
    };
    treeNodes += step.treeNodes;
    const allConstant =
      definition.foldable !== false &&
      inputFacts.length > 0 &&
      inputFacts.every((fact) => fact === undefined || fact.constant !== undefined);
    if (allConstant) {
      const folded = tryFold(step, inputFacts);
      if (folded === "failed") {
        issues.push(graphIssue(node, "the node fails on its constant inputs"));
        continue;
      }
      if (folded) {
        outputSlots.forEach((slot, i) => {
          const value = folded[i];
          if (slot < 0 || !value) return;
          facts[slot] = { type: value.type, constant: value };
          constants.set(slot, value);
        });
        continue;
      }
    }
    outputSlots.forEach((slot, i) => {
      if (slot >= 0) facts[slot] = { type: step.outputTypes[i] as EngineTensorType };
    });
    steps.push(step);
  }

  const outputs: TensorInfo[] = [];
  const outputSlots: number[] = [];
  for (const output of graph.outputs) {
    const declared = output.kind === "tensor" ? engineTypeOf(output.elemType) : null;
    if (!declared) {
      issues.push(
        valueIssue(
          output.name,
          "graph output",
          output.kind === "sequence" || output.kind === "map"
            ? `output ${output.name} is a ${output.kind} (ZipMap); only tensor outputs are supported`
            : `output ${output.name} has ONNX type ${output.elemType}`,
        ),
      );
      continue;
    }
    const slot = slots.get(output.name);
    const fact = slot === undefined ? undefined : facts[slot];
    if (slot === undefined || !fact) {
      if (slot === undefined && !produced.has(output.name))
        issues.push(valueIssue(output.name, "graph output", "output is never produced"));
      continue;
    }
    if (fact.type !== declared)
      issues.push(
        valueIssue(output.name, "graph output", `declared ${declared} but the graph computes ${fact.type}`),
      );
    outputs.push(tensorInfo(output, declared));
    outputSlots.push(slot);
  }

  return {
    inputs,
    outputs,
    inputSlots,
    outputSlots,
    slotCount: facts.length,
    constants,
    steps: pruneSteps(steps, outputSlots),
    issues,
    treeNodes,
  };
}

function tryFold(
  step: PlannedStep,
  inputFacts: (InputFacts | undefined)[],
): EngineTensor[] | "failed" | null {
  const spec: KernelSpec = {
    params: step.params,
    arrays: step.arrays,
    inputTypes: step.inputTypes,
    outputTypes: step.outputTypes,
    constantInputs: inputFacts.map((fact) => fact?.constant),
  };
  try {
    const outputs = runKernelOnce(spec, step.definition, spec.constantInputs);
    if (outputs.some((value) => value.data.length > MAX_FOLDED_ELEMENTS)) return null;
    return outputs;
  } catch (error) {
    if (error instanceof EngineInputError) return "failed";
    throw error;
  }
}

/** Keeps only the steps the graph outputs need, in order. */
function pruneSteps(steps: PlannedStep[], outputSlots: number[]): PlannedStep[] {
  const needed = new Set(outputSlots);
  const kept: PlannedStep[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const step = steps[i] as PlannedStep;
    if (!step.outputs.some((slot) => needed.has(slot))) continue;
    kept.push(step);
    for (const slot of step.inputs) if (slot >= 0) needed.add(slot);
  }
  return kept.reverse();
}
