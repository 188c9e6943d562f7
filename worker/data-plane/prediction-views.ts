import type { Manifest } from "../contracts/manifest.ts";
import { taskOf } from "../tasks/index.ts";
import type { ServedPrediction } from "./prediction-service.ts";

/** The generic per-row answer, as the model's task shows it (value + interval, probability + label, …). */
export function toRowPredictionView(manifest: Manifest, prediction: ServedPrediction) {
  return taskOf(manifest).rowView(manifest, prediction);
}
