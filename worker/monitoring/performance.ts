import type { PerformanceMetrics } from "../tasks/index.ts";
import { binaryFromSums, multiclassFromSums, regressionFromSums } from "./stats/labelled-metrics.ts";
import { type LabelledSummary, SCORE_BINS } from "./summary/summary.ts";

export type { PerformanceMetrics };

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
