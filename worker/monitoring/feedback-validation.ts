import type { Manifest } from "../contracts/manifest.ts";

export type ActualValue = number | boolean | string;

/**
 * Ground truth checked against the model's task. Regression: a finite number, inside the manifest's clip
 * range when it has one (ratings 1–5). Binary classification: 0/1, true/false, or the manifest's
 * positive/negative label; stored as 1/0. Returns the stored value or the reason it is refused.
 */
export function normaliseActual(
  manifest: Manifest,
  actual: ActualValue,
): { value: number } | { error: string } {
  if (manifest.task === "regression") {
    if (typeof actual !== "number" || !Number.isFinite(actual)) return { error: "must be a finite number" };
    const clip = manifest.output.clip;
    if (clip && (actual < clip.min || actual > clip.max)) {
      return { error: `must be between ${clip.min} and ${clip.max}` };
    }
    return { value: actual };
  }
  const { positive_label: positive, negative_label: negative } = manifest.output;
  if (actual === true || actual === 1 || (positive !== undefined && String(actual) === String(positive)))
    return { value: 1 };
  if (actual === false || actual === 0 || (negative !== undefined && String(actual) === String(negative)))
    return { value: 0 };
  const labels = [0, 1, true, false, positive, negative].filter((label) => label !== undefined);
  return { error: `must be one of ${[...new Set(labels.map((label) => JSON.stringify(label)))].join(", ")}` };
}
