import type { Manifest } from "../contracts/manifest.ts";
import { type RowPrediction, taskOf } from "../tasks/index.ts";
import type { FeatureRow } from "./feature-validation.ts";
import type { ModelEngine } from "./model-engine.ts";
import { rowsToFeeds } from "./tensor-mapping.ts";

export type { RowPrediction };

const DEFAULT_INTERVAL_LEVEL = 0.9;

export function intervalLevels(manifest: Manifest): number[] {
  return manifest.intervals?.levels.map((entry) => entry.coverage) ?? [];
}

/** Scores all rows in one engine call. */
export async function predictRows(
  session: ModelEngine,
  manifest: Manifest,
  rows: readonly FeatureRow[],
  intervalLevel: number = DEFAULT_INTERVAL_LEVEL,
): Promise<RowPrediction[]> {
  const results = await session.run(rowsToFeeds(manifest, rows), [manifest.output.name]);
  const tensor = results[manifest.output.name];
  if (!tensor) throw new Error(`ONNX output ${manifest.output.name} missing`);
  if (tensor.type === "string") throw new Error(`ONNX output ${manifest.output.name} is a string tensor`);
  const data = tensor.data as ArrayLike<number | bigint>;
  return taskOf(manifest).readPredictions(manifest, { data, dims: tensor.dims }, intervalLevel);
}
