import type { Manifest } from "../contracts/manifest.ts";
import { type ActualValue, normaliseActual } from "../monitoring/feedback-validation.ts";
import { writeLakeFeedback } from "../monitoring/lake/lake-writer.ts";
import {
  FEEDBACK_CONFLICT,
  type FeedbackRow,
  feedbackStatements,
  findFeedback,
  findLoggedPredictions,
} from "../monitoring/store/feedback-store.ts";
import { type LabelledDelta, labelledDeltaStatements } from "../monitoring/store/summary-store.ts";
import { labelledDelta } from "../monitoring/summary/labelled.ts";
import { mergeLabelled } from "../monitoring/summary/merge.ts";
import { COARSE_BUCKET_MS, COMPACT_AFTER_MS, FINE_BUCKET_MS } from "../monitoring/summary/summary.ts";
import { isSealedId, openPredictionId, type PredictionFacts } from "../platform/prediction-id.ts";
import { predictionIdKeys } from "../platform/prediction-id-key.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { loggableError } from "../platform/store-failure.ts";
import { type FieldError, problems } from "../problems/index.ts";
import { readManifest, requireModelRecord } from "../repository/registry-reader.ts";

interface FeedbackItem {
  prediction_id: string;
  actual: ActualValue;
  /** Legacy ids only: lets feedback be recorded before the prediction's log row has landed. */
  model?: string | undefined;
}

interface RecordedFeedback {
  prediction_id: string;
  model: string;
  version: string | null;
  actual: number;
}

/** A validated label: its prediction's facts (null: a legacy id whose row has not landed), and the value. */
interface Checked {
  id: string;
  model: string;
  facts: PredictionFacts | null;
  manifest: Manifest;
  actual: number;
}

const DAY_MS = 86_400_000;

/**
 * Labels are accepted for predictions younger than the feedback retention (LOG_RETENTION_DAYS, the cron
 * prunes `feedback` rows older than that): a label's predecessor is then always still stored, so a
 * replacement can subtract it exactly.
 */
function feedbackRetentionMs(env: { LOG_RETENTION_DAYS?: string }): number {
  const days = Number(env.LOG_RETENTION_DAYS);
  return (Number.isFinite(days) && days > 0 ? days : 30) * DAY_MS;
}

/**
 * Concurrent replacements of the same label: re-read and retry this many times before giving up. Each round
 * one writer wins, so n concurrent writers of one label need at most n attempts.
 */
const ATTEMPTS = 8;

const OPEN_FAILURES = {
  malformed: "not a prediction id issued by this deployment",
  "unknown-key": "sealed with a key this deployment no longer has (rotated out)",
  "bad-mac": "does not verify (altered or not issued by this deployment)",
} as const;

/** The summary key a prediction was folded into (fine buckets, coarse ones once compaction has passed). */
function keyOf(facts: PredictionFacts, now: number): LabelledDelta["key"] {
  const width = facts.ts < now - COMPACT_AFTER_MS ? COARSE_BUCKET_MS : FINE_BUCKET_MS;
  return {
    model: facts.model,
    version: facts.version,
    route: facts.route,
    bucket_start: Math.floor(facts.ts / width) * width,
    bucket_ms: width,
  };
}

async function resolveFacts(
  scope: RequestScope,
  items: readonly FeedbackItem[],
  fieldOf: (index: number, name: string) => string,
  errors: FieldError[],
): Promise<(PredictionFacts | null | undefined)[]> {
  const sealed = items.some((item) => isSealedId(item.prediction_id));
  const keys = sealed ? predictionIdKeys(scope.env) : null;
  if (sealed && !keys) throw problems.predictionIdKeyMissing();
  const legacyIds = items.filter((item) => !isSealedId(item.prediction_id)).map((item) => item.prediction_id);
  const logged =
    legacyIds.length > 0 ? await findLoggedPredictions(scope.env.DB, [...new Set(legacyIds)]) : null;
  return items.map((item, index) => {
    if (!isSealedId(item.prediction_id)) return logged?.get(item.prediction_id) ?? null;
    const opened = keys ? openPredictionId(keys, item.prediction_id) : null;
    if (opened?.ok) return opened.facts;
    errors.push({
      field: fieldOf(index, "prediction_id"),
      message: OPEN_FAILURES[opened?.reason ?? "malformed"],
    });
    return undefined;
  });
}

/**
 * Validates every item against the task of the model that made the prediction: a sealed id carries its
 * model, version and what was predicted (MAC-checked, no lookup); a legacy id is looked up in the recent
 * sample. All or nothing: any bad item refuses the request with a 422 naming each bad field.
 */
async function checkItems(
  scope: RequestScope,
  items: readonly FeedbackItem[],
  fieldOf: (index: number, name: string) => string,
  now: number,
): Promise<Checked[]> {
  const { env } = scope;
  const oldest = now - feedbackRetentionMs(env);
  const errors: FieldError[] = [];
  const facts = await resolveFacts(scope, items, fieldOf, errors);
  const manifests = new Map<string, Promise<Manifest>>();
  const manifestOf = (model: string, version?: string): Promise<Manifest> => {
    const key = `${model}/${version ?? ""}`;
    let manifest = manifests.get(key);
    if (!manifest) {
      manifest = (async () =>
        readManifest(
          env.REGISTRY,
          model,
          version ?? (await requireModelRecord(env.REGISTRY, model)).default,
        ))();
      manifests.set(key, manifest);
    }
    return manifest;
  };

  let unknownIds = 0;
  const checked: Checked[] = [];
  for (const [index, item] of items.entries()) {
    const prediction = facts[index];
    if (prediction === undefined) continue;
    if (prediction && item.model && item.model !== prediction.model) {
      errors.push({
        field: fieldOf(index, "model"),
        message: `prediction belongs to model ${prediction.model}`,
      });
      continue;
    }
    if (prediction && prediction.ts < oldest) {
      errors.push({
        field: fieldOf(index, "prediction_id"),
        message: `the prediction is older than the feedback retention (${Math.round((now - oldest) / DAY_MS)} days)`,
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
    const normalised = normaliseActual(manifest, item.actual);
    if ("error" in normalised) {
      errors.push({ field: fieldOf(index, "actual"), message: `${normalised.error} for ${manifest.task}` });
      continue;
    }
    checked.push({ id: item.prediction_id, model, facts: prediction, manifest, actual: normalised.value });
  }
  if (errors.length > 0) {
    if (items.length === 1 && unknownIds === 1 && errors[0])
      throw problems.predictionNotFound(errors[0].message);
    throw problems.validation(errors);
  }
  return checked;
}

/**
 * A short unique name of the id for the dedupe key (kept 7 days per label): a sealed id's last 22 characters
 * cover its 128-bit MAC, unique per id; a legacy id as it is.
 */
const dedupeIdOf = (id: string): string => (isSealedId(id) ? id.slice(-22) : id);

/** The summary deltas of one label: the new value, minus the value it replaces (exact: the sums are linear). */
function deltasOf(label: Checked, replaced: number | null, revision: number, now: number): LabelledDelta[] {
  if (!label.facts || label.facts.output === null || replaced === label.actual) return [];
  const key = keyOf(label.facts, now);
  const facts = {
    output: label.facts.output,
    probabilities: label.facts.probabilities,
    interval: label.facts.interval,
  };
  const added = labelledDelta(label.manifest, facts, label.actual, 1);
  const removed = replaced === null ? null : labelledDelta(label.manifest, facts, replaced, -1);
  const labelled = added && removed ? mergeLabelled(added, removed) : (added ?? removed);
  // the revision this write creates: a concurrent writer of the same revision is skipped by the dedupe
  return labelled ? [{ key, labelled, dedupeKey: `fb:${dedupeIdOf(label.id)}:${revision}` }] : [];
}

/**
 * Writes the labels and their summary deltas in ONE D1 batch (a label and its delta commit together). A
 * label replaced concurrently by another request (its revision moved) is re-read and written again.
 * Returns what each id replaced (null: first label).
 */
async function writeLabels(
  db: D1Database,
  labels: readonly Checked[],
  keyId: string | null,
  now: number,
): Promise<Map<string, number | null>> {
  const replacedOf = new Map<string, number | null>();
  let pending = labels;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    if (attempt === ATTEMPTS) {
      throw problems.storeUnavailable("D1", "Labels of the same prediction kept replacing each other");
    }
    const stored = await findFeedback(
      db,
      pending.map((label) => label.id),
    );
    const rows: FeedbackRow[] = [];
    const deltas: LabelledDelta[] = [];
    for (const label of pending) {
      const previous = stored.get(label.id) ?? null;
      rows.push({
        predictionId: label.id,
        model: label.model,
        version: label.facts?.version ?? null,
        actual: label.actual,
        ts: now,
        keyId,
        expectedRevision: previous?.revision ?? null,
      });
      // revision 0: a label written before summaries existed, not folded yet (the migration folds it and
      // sets revision 1), so there is nothing to subtract
      const folded = previous && previous.revision > 0 ? previous.actual : null;
      deltas.push(...deltasOf(label, folded, (previous?.revision ?? 0) + 1, now));
      replacedOf.set(label.id, previous?.actual ?? null);
    }
    try {
      await db.batch([...feedbackStatements(db, rows), ...labelledDeltaStatements(db, deltas)]);
      pending = [];
    } catch (error) {
      // the guard: another write moved a revision in between, nothing of this batch was applied
      if (!String(error).includes(FEEDBACK_CONFLICT)) throw error;
    }
  }
  return replacedOf;
}

/**
 * Records ground truth: validates every item (all or nothing), then per prediction id upserts the label
 * (a later label replaces an earlier one) and folds its labelled delta into the PREDICTION's summary bucket,
 * so a label arriving hours later lands where its prediction was counted. The labels also go to the lake.
 */
export async function recordFeedback(
  scope: RequestScope,
  items: readonly FeedbackItem[],
  fieldOf: (index: number, name: string) => string,
  now = Date.now(),
): Promise<RecordedFeedback[]> {
  const checked = await checkItems(scope, items, fieldOf, now);
  // the same id twice in one batch: the later item is the label
  const latest = [...new Map(checked.map((label) => [label.id, label])).values()];
  const keyId = scope.caller.keyId;
  const replaced = await writeLabels(scope.env.DB, latest, keyId, now);
  scope.waitUntil(
    writeLakeFeedback(
      scope.env.LOGS,
      latest.map((label) => ({
        model: label.model,
        ts: now,
        prediction_id: label.id,
        version: label.facts?.version ?? null,
        route: label.facts?.route ?? null,
        prediction_ts: label.facts?.ts ?? null,
        actual: label.actual,
        replaced: replaced.get(label.id) ?? null,
        key_id: keyId,
        output: label.facts?.output ?? null,
        label: label.facts?.label ?? null,
        probabilities: label.facts?.probabilities ?? null,
        interval: label.facts?.interval ?? null,
      })),
      `${now}-${crypto.randomUUID()}`,
    ).catch((error: unknown) => {
      console.error(JSON.stringify({ event: "feedback_lake_failed", error: loggableError(error, 200) }));
    }),
  );
  return checked.map((label) => ({
    prediction_id: label.id,
    model: label.model,
    version: label.facts?.version ?? null,
    actual: label.actual,
  }));
}
