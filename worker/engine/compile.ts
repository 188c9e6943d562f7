import { writeCompiled } from "./compiled/compiled-format.ts";
import type { CompiledConstant, CompiledHeader, CompiledStep } from "./compiled/compiled-header.ts";
import { InvalidModelError, UnsafeGraphError, UnsupportedGraphError } from "./errors.ts";
import { planGraph } from "./graph/plan-graph.ts";
import { valueDependentMemory } from "./graph/value-taint.ts";
import type { ArrayData } from "./ops/op-types.ts";
import { decodeOnnxModel } from "./proto/decode-onnx.ts";
import type { EngineTensor } from "./tensor.ts";

function constantArray(value: EngineTensor): ArrayData | null {
  if (Array.isArray(value.data)) return null;
  return value.data as ArrayData;
}

/**
 * Translates an ONNX model into the engine's flat, versioned form.
 * Throws UnsafeGraphError (memory would depend on an input value), UnsupportedGraphError or InvalidModelError.
 */
export function compileOnnx(onnx: Uint8Array): Uint8Array {
  const model = decodeOnnxModel(onnx);
  const unsafe = valueDependentMemory(model);
  if (unsafe.length > 0) throw new UnsafeGraphError(unsafe);
  let plan: ReturnType<typeof planGraph>;
  try {
    plan = planGraph(model);
  } catch (error) {
    if (error instanceof InvalidModelError) throw error;
    throw new InvalidModelError(`model could not be analysed: ${(error as Error).message}`);
  }
  if (plan.issues.length > 0) throw new UnsupportedGraphError(plan.issues);

  const arrays: ArrayData[] = [];
  const addArray = (array: ArrayData): number => {
    arrays.push(array);
    return arrays.length - 1;
  };
  const usedSlots = new Set<number>(plan.outputSlots);
  for (const step of plan.steps) for (const slot of step.inputs) if (slot >= 0) usedSlots.add(slot);
  const constants: CompiledConstant[] = [];
  for (const [slot, value] of plan.constants) {
    if (!usedSlots.has(slot)) continue;
    const array = constantArray(value);
    constants.push(
      array
        ? { slot, type: value.type, dims: [...value.dims], section: addArray(array) }
        : { slot, type: value.type, dims: [...value.dims], strings: value.data as string[] },
    );
  }
  const steps: CompiledStep[] = plan.steps.map((step) => ({
    op: step.key,
    name: step.name,
    in: step.inputs,
    out: step.outputs,
    inTypes: step.inputTypes,
    outTypes: step.outputTypes,
    params: step.params,
    arrays: Object.fromEntries(Object.entries(step.arrays).map(([name, array]) => [name, addArray(array)])),
  }));
  const inputRanks = new Map(
    model.graph.inputs.map((input) => [input.name, input.shape ? input.shape.length : null]),
  );
  return writeCompiled(
    arrays,
    (sections): CompiledHeader => ({
      inputs: plan.inputs.map((input) => ({ ...input, rank: inputRanks.get(input.name) ?? null })),
      outputs: plan.outputs,
      inputSlots: plan.inputSlots,
      outputSlots: plan.outputSlots,
      slotCount: plan.slotCount,
      treeNodes: plan.treeNodes,
      constants,
      steps,
      sections,
    }),
  );
}
