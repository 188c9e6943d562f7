import type { Manifest } from "../contracts/manifest.ts";
import type { FeatureRow } from "./feature-validation.ts";
import type { ModelEngine } from "./model-engine.ts";
import { rowsToFeeds } from "./tensor-mapping.ts";

export interface PredictionInterval {
  level: number;
  lower: number;
  upper: number;
}

export interface RowPrediction {
  /** Regression: the clipped value; classification: the positive-class probability. */
  output: number;
  /** The graph's own number before clipping. */
  raw: number;
  label: string | number | null;
  interval: PredictionInterval | null;
}

export const DEFAULT_INTERVAL_LEVEL = 0.9;

function clip(value: number, range: { min: number; max: number } | undefined): number {
  return range ? Math.min(range.max, Math.max(range.min, value)) : value;
}

/** Split-conformal interval: prediction ± the calibrated absolute-residual quantile, clipped to the range. */
export function conformalInterval(manifest: Manifest, raw: number, level: number): PredictionInterval | null {
  const calibrated = manifest.intervals?.levels.find((entry) => Math.abs(entry.coverage - level) < 1e-9);
  if (!calibrated) return null;
  return {
    level,
    lower: clip(raw - calibrated.quantile, manifest.output.clip),
    upper: clip(raw + calibrated.quantile, manifest.output.clip),
  };
}

export function intervalLevels(manifest: Manifest): number[] {
  return manifest.intervals?.levels.map((entry) => entry.coverage) ?? [];
}

/** Reads per-row scores from the output tensor named by the manifest. */
export function readScores(
  manifest: Manifest,
  data: ArrayLike<number | bigint>,
  dims: readonly number[],
): number[] {
  const rows = dims[0] ?? 0;
  const width = dims.length > 1 ? (dims[1] ?? 1) : 1;
  const column =
    manifest.task === "binary_classification" && width > 1 ? (manifest.output.positive_index ?? 1) : 0;
  return Array.from({ length: rows }, (_, row) => Number(data[row * width + column]));
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
  const scores = readScores(manifest, tensor.data as ArrayLike<number | bigint>, tensor.dims);
  return scores.map((raw) => {
    if (manifest.task === "binary_classification") {
      const positive = raw >= (manifest.output.threshold ?? 0.5);
      const label =
        (positive ? manifest.output.positive_label : manifest.output.negative_label) ?? (positive ? 1 : 0);
      return { output: raw, raw, label, interval: null };
    }
    return {
      output: clip(raw, manifest.output.clip),
      raw,
      label: null,
      interval: conformalInterval(manifest, raw, intervalLevel),
    };
  });
}
