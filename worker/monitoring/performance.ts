import type { Manifest } from "../contracts/manifest.ts";
import { type PerformanceMetrics, taskOf } from "../tasks/index.ts";
import type { WindowRow } from "./store/window-reader.ts";

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
