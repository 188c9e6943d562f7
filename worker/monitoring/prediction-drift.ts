import type { Manifest } from "../contracts/manifest.ts";
import { taskOf } from "../tasks/index.ts";
import {
  binnedNumericDrift,
  categoryDrift,
  countedCategoryDrift,
  type DriftContext,
  emptyNumeric,
  type FeatureDrift,
  numericDrift,
  summaryCounts,
} from "./feature-drift.ts";
import type { Summary } from "./summary/summary.ts";
import type { MonitoringThresholds } from "./thresholds.ts";

/** What prediction drift reads of a logged row: the output number and the predicted label. */
interface PredictedRow {
  output: number | null;
  label?: string | null;
}

/** The reference a version's predictions are judged against, and the context of that one test (no correction). */
function predictionDriftContext(manifest: Manifest, thresholds: MonitoringThresholds) {
  const reference = taskOf(manifest).predictionReference(manifest);
  const context: DriftContext = {
    kind: "prediction",
    name: null,
    referenceRows: manifest.reference.rows,
    testedTogether: 1,
    thresholds,
  };
  return { reference, context };
}

/**
 * A version's predictions against the reference its task names (one test, no correction): a numeric
 * reference (regression value, positive-class probability) is compared with the logged outputs; a category
 * reference (multiclass: the predicted-class proportions on the training data) with the logged predicted
 * classes, so drift over classes uses the same drift methods as a category feature.
 */
export function versionPredictionDrift(
  manifest: Manifest,
  rows: readonly PredictedRow[],
  thresholds: MonitoringThresholds,
): FeatureDrift {
  const { reference, context } = predictionDriftContext(manifest, thresholds);
  if (reference.type === "category") {
    const labels = rows.flatMap((row) => (typeof row.label === "string" ? [row.label] : []));
    return categoryDrift(labels, reference.proportions, context);
  }
  const outputs = rows.flatMap((row) => (row.output === null ? [] : [row.output]));
  return numericDrift(outputs, reference, false, context);
}

/**
 * `versionPredictionDrift` from a version's merged summary: the numeric prediction's bins (binned methods), or
 * the multiclass predicted-class counts. A part counted on another reference is ignored (merged only on equal
 * edges digests upstream).
 */
export function summaryPredictionDrift(
  manifest: Manifest,
  summary: Pick<Summary, "prediction" | "prediction_classes">,
  thresholds: MonitoringThresholds,
): FeatureDrift {
  const { reference, context } = predictionDriftContext(manifest, thresholds);
  if (reference.type === "category") {
    const classes = summary.prediction_classes;
    const counts = summaryCounts(classes?.counts ?? {}, classes?.unknown ?? 0);
    return countedCategoryDrift(counts, reference.proportions, context);
  }
  return binnedNumericDrift(summary.prediction ?? emptyNumeric(reference), reference, false, context);
}
