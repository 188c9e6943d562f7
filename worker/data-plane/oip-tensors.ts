import type { Feature, Manifest } from "../contracts/manifest.ts";
import { problems } from "../problems/index.ts";
import { taskOf } from "../tasks/index.ts";
import type { ServedPrediction } from "./prediction-service.ts";

/** Open Inference Protocol v2 tensor (REST). Data may be flat or nested row-major. */
interface OipTensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown;
  parameters?: Record<string, unknown>;
}

const oipDatatype = (feature: Feature): string =>
  feature.kind === "category" ? "BYTES" : feature.kind === "integer" ? "INT64" : "FP32";

export function oipInputsMetadata(manifest: Manifest) {
  return manifest.features.map((feature) => ({
    name: feature.name,
    datatype: oipDatatype(feature),
    shape: [-1, 1],
  }));
}

export function oipOutputsMetadata(manifest: Manifest) {
  return taskOf(manifest).oipOutputsMetadata(manifest);
}

/**
 * Row-major nested data → flat values, iteratively and no deeper than the declared shape allows, so a
 * hostile nesting depth is a 422, not a stack overflow.
 */
function flatten(data: unknown[], maxDepth: number, field: string): unknown[] {
  const out: unknown[] = [];
  const stack: Array<{ items: unknown[]; index: number }> = [{ items: data, index: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (!top || top.index >= top.items.length) {
      stack.pop();
      continue;
    }
    const item = top.items[top.index];
    top.index += 1;
    if (!Array.isArray(item)) {
      out.push(item);
      continue;
    }
    if (stack.length >= Math.max(1, maxDepth)) {
      throw problems.validation([
        { field, message: `nested deeper than its shape (${maxDepth} dimensions)` },
      ]);
    }
    stack.push({ items: item, index: 0 });
  }
  return out;
}

/** Column tensors (one per feature, OIP style) → rows of feature values. */
export function tensorsToRows(tensors: OipTensor[]): unknown[] {
  let rowCount: number | undefined;
  const columns = new Map<string, unknown[]>();
  tensors.forEach((tensor, index) => {
    const values = flatten(tensor.data as unknown[], tensor.shape.length, `inputs[${index}].data`);
    const declared = tensor.shape.reduce((product, dim) => product * dim, 1);
    if (values.length !== declared) {
      throw problems.validation([
        {
          field: `inputs[${index}].data`,
          message: `has ${values.length} values but shape ${JSON.stringify(tensor.shape)} declares ${declared}`,
        },
      ]);
    }
    if (rowCount !== undefined && values.length !== rowCount) {
      throw problems.validation([
        { field: `inputs[${index}].shape`, message: `has ${values.length} rows, expected ${rowCount}` },
      ]);
    }
    rowCount = values.length;
    if (columns.has(tensor.name))
      throw problems.validation([{ field: `inputs[${index}].name`, message: "duplicate input" }]);
    columns.set(tensor.name, values);
  });
  return Array.from({ length: rowCount ?? 0 }, (_, row) =>
    Object.fromEntries([...columns].map(([name, values]) => [name, values[row]])),
  );
}

export function predictionsToTensors(
  manifest: Manifest,
  predictions: ServedPrediction[],
  wanted?: Set<string>,
) {
  const outputs: OipTensor[] = taskOf(manifest).oipOutputs(manifest, predictions);
  return wanted && wanted.size > 0 ? outputs.filter((output) => wanted.has(output.name)) : outputs;
}
