import type { Manifest } from "../contracts/manifest.ts";
import { type ActualValue, type NormalisedActual, taskOf } from "../tasks/index.ts";

export type { ActualValue };

/** Ground truth checked against the model's task: the stored value, or the reason it is refused. */
export function normaliseActual(manifest: Manifest, actual: ActualValue): NormalisedActual {
  return taskOf(manifest).normaliseActual(manifest, actual);
}
