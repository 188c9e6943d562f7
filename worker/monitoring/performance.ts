import type { Manifest } from "../contracts/manifest.ts";
import { type ClassificationMetrics, classificationMetrics } from "./stats/classification-metrics.ts";
import { type RegressionMetrics, regressionMetrics } from "./stats/regression-metrics.ts";
import type { WindowRow } from "./store/window-reader.ts";

export type PerformanceMetrics = RegressionMetrics | ClassificationMetrics;

export const withFeedback = (rows: readonly WindowRow[]) =>
  rows.filter((row) => row.actual !== null && row.output !== null) as (WindowRow & {
    actual: number;
    output: number;
  })[];

/** Regression: MAE/MSE/RMSE/R² of the (clipped) output; classification: AUC/accuracy/Brier/log loss of the probability. */
export function performance(manifest: Manifest, rows: readonly WindowRow[]): PerformanceMetrics | null {
  const labelled = withFeedback(rows);
  const outputs = labelled.map((row) => row.output);
  const actuals = labelled.map((row) => row.actual);
  return manifest.task === "regression"
    ? regressionMetrics(outputs, actuals)
    : classificationMetrics(outputs, actuals, manifest.output.threshold ?? 0.5);
}
