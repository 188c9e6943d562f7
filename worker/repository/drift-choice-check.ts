import type { DriftMethodChoices } from "../monitoring/drift/method-choice.ts";
import { featureChoiceIssues } from "../monitoring/drift/method-choice-schema.ts";
import { problems } from "../problems/index.ts";
import { readManifest, requireModelRecord } from "./registry-reader.ts";

/**
 * Per-feature drift methods name features of the model's default version, and fit their kind (a 422 naming
 * `drift_methods.features.<name>[.method]` otherwise). Checked against the default at the time of the PUT.
 */
export async function requireFitDriftChoices(
  kv: KVNamespace,
  model: string,
  choices: DriftMethodChoices | undefined,
): Promise<void> {
  if (!choices?.features || Object.keys(choices.features).length === 0) return;
  const record = await requireModelRecord(kv, model);
  const manifest = await readManifest(kv, model, record.default);
  const issues = featureChoiceIssues(choices, manifest.features);
  if (issues.length > 0) throw problems.validation(issues);
}
