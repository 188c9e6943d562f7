import type { Manifest } from "../contracts/manifest.ts";
import { type ActualValue, normaliseActual } from "../monitoring/feedback-validation.ts";
import {
  type FeedbackRow,
  findLoggedPredictions,
  upsertFeedback,
} from "../monitoring/store/feedback-store.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { type FieldError, problems } from "../problems/index.ts";
import { readManifest, requireModelRecord } from "../repository/registry-reader.ts";

interface FeedbackItem {
  prediction_id: string;
  actual: ActualValue;
  /** Lets feedback be recorded before the prediction's log row has landed (it is queued, not instant). */
  model?: string | undefined;
}

interface RecordedFeedback {
  prediction_id: string;
  model: string;
  version: string | null;
  actual: number;
}

/**
 * Validates every item against the task of the model that made the prediction (from the prediction log),
 * then upserts them all in one D1 batch. All or nothing: any bad item refuses the request with a 422 that
 * names each bad field.
 */
export async function recordFeedback(
  scope: RequestScope,
  items: readonly FeedbackItem[],
  fieldOf: (index: number, name: string) => string,
  now = Date.now(),
): Promise<RecordedFeedback[]> {
  const { env } = scope;
  const keyId = scope.caller.keyId;
  const logged = await findLoggedPredictions(env.DB, [...new Set(items.map((item) => item.prediction_id))]);
  const manifests = new Map<string, Manifest>();
  const manifestOf = async (model: string, version?: string): Promise<Manifest> => {
    const resolved = version ?? (await requireModelRecord(env.REGISTRY, model)).default;
    const key = `${model}/${resolved}`;
    const cached = manifests.get(key);
    if (cached) return cached;
    const manifest = await readManifest(env.REGISTRY, model, resolved);
    manifests.set(key, manifest);
    return manifest;
  };

  const errors: FieldError[] = [];
  let unknownIds = 0;
  const rows: FeedbackRow[] = [];
  const recorded: RecordedFeedback[] = [];
  for (const [index, item] of items.entries()) {
    const prediction = logged.get(item.prediction_id);
    if (prediction && item.model && item.model !== prediction.model) {
      errors.push({
        field: fieldOf(index, "model"),
        message: `prediction belongs to model ${prediction.model}`,
      });
      continue;
    }
    const model = prediction?.model ?? item.model;
    if (!model) {
      unknownIds++;
      errors.push({
        field: fieldOf(index, "prediction_id"),
        message: "unknown prediction id (its log may still be in flight: retry shortly, or pass `model`)",
      });
      continue;
    }
    const manifest = await manifestOf(model, prediction?.version);
    const checked = normaliseActual(manifest, item.actual);
    if ("error" in checked) {
      errors.push({ field: fieldOf(index, "actual"), message: `${checked.error} for ${manifest.task}` });
      continue;
    }
    rows.push({ predictionId: item.prediction_id, model, actual: checked.value, ts: now, keyId });
    recorded.push({
      prediction_id: item.prediction_id,
      model,
      version: prediction?.version ?? null,
      actual: checked.value,
    });
  }
  if (errors.length > 0) {
    if (items.length === 1 && unknownIds === 1 && errors[0]) {
      throw problems.predictionNotFound(errors[0].message);
    }
    throw problems.validation(errors);
  }
  await upsertFeedback(env.DB, rows);
  return recorded;
}
