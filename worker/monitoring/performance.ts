import type { Manifest } from "../contracts/manifest.ts";
import { type PerformanceMetrics, taskOf } from "../tasks/index.ts";
import { binaryFromSums, multiclassFromSums, regressionFromSums } from "./stats/labelled-metrics.ts";
import type { WindowRow } from "./store/window-reader.ts";
import { type LabelledSummary, SCORE_BINS } from "./summary/summary.ts";

export type { PerformanceMetrics };

export const withFeedback = (rows: readonly WindowRow[]) =>
  rows.filter((row) => row.actual !== null && row.output !== null) as (WindowRow & {
    actual: number;
    output: number;
  })[];

/** The task's metrics of the labelled rows (regression: MAE/MSE/RMSE/R²; classification: AUC, accuracy, …). */
export function performance(manifest: Manifest, rows: readonly WindowRow[]): PerformanceMetrics | null {
  return taskOf(manifest).performance(manifest, withFeedback(rows)) as PerformanceMetrics | null;
}

/**
 * The task's metrics from a window's labelled sums (monitoring/summary): exact for every figure (regression
 * with its RMSE/R² bounds, Brier, log loss, accuracy, confusion, multiclass per class), the binary AUC from
 * 0.01-wide score histograms with its bound (`auc_binning.max_error`). Null without labels.
 */
export function labelledPerformance(labelled: LabelledSummary | undefined): PerformanceMetrics | null {
  const sums = labelled?.performance;
  if (!sums) return null;
  if (sums.task === "regression") return regressionFromSums(sums);
  if (sums.task === "binary_classification") return binaryFromSums(sums, SCORE_BINS);
  return multiclassFromSums(sums);
}
