import type { Manifest } from "../contracts/manifest.ts";
import type { ServedPrediction } from "./prediction-service.ts";

/** The generic per-row answer: value (+interval) for regression, probability + label for classification. */
export function toRowPredictionView(manifest: Manifest, prediction: ServedPrediction) {
  if (manifest.task === "binary_classification") {
    return { id: prediction.id, probability: prediction.output, label: prediction.label ?? undefined };
  }
  return {
    id: prediction.id,
    value: prediction.output,
    ...(prediction.interval ? { interval: prediction.interval } : {}),
  };
}
