import { inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { PredictionFacts } from "../../platform/prediction-id.ts";
import { feedback, predictions } from "./schema.ts";

/** D1 allows 100 bound parameters per statement. */
const IDS_PER_QUERY = 100;

/**
 * The facts of legacy (unsealed) prediction ids, from the recent sample (`predictions` keeps every row at
 * low traffic and a bounded sample at high traffic: log-sample.ts). Sealed ids never come here.
 */
export async function findLoggedPredictions(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, PredictionFacts>> {
  const orm = drizzle(db);
  const found = new Map<string, PredictionFacts>();
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const rows = await orm
      .select({
        id: predictions.id,
        ts: predictions.ts,
        model: predictions.model,
        version: predictions.version,
        route: predictions.route,
        output: predictions.output,
        label: predictions.label,
        probabilities: predictions.probabilities,
        level: predictions.intervalLevel,
        lower: predictions.intervalLower,
        upper: predictions.intervalUpper,
      })
      .from(predictions)
      .where(inArray(predictions.id, ids.slice(start, start + IDS_PER_QUERY)));
    for (const row of rows) {
      found.set(row.id, {
        ts: row.ts,
        model: row.model,
        version: row.version,
        route: row.route,
        output: row.output,
        label: row.label,
        probabilities: row.probabilities ?? null,
        interval:
          row.level === null || row.lower === null || row.upper === null
            ? null
            : { level: row.level, lower: row.lower, upper: row.upper },
      });
    }
  }
  return found;
}

/** The stored label of a prediction and its revision (incremented by every replacement). */
interface StoredFeedback {
  actual: number;
  revision: number;
}

export async function findFeedback(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, StoredFeedback>> {
  const orm = drizzle(db);
  const found = new Map<string, StoredFeedback>();
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const rows = await orm
      .select({ id: feedback.predictionId, actual: feedback.actual, revision: feedback.revision })
      .from(feedback)
      .where(inArray(feedback.predictionId, ids.slice(start, start + IDS_PER_QUERY)));
    for (const row of rows) found.set(row.id, { actual: row.actual, revision: row.revision });
  }
  return found;
}

export interface FeedbackRow {
  predictionId: string;
  model: string;
  version: string | null;
  actual: number;
  ts: number;
  keyId: string | null;
  /** The revision read before this write (null: no label yet); the write applies only if it is unchanged. */
  expectedRevision: number | null;
}

/**
 * One conditional statement per label: an insert that does nothing if a label appeared meanwhile, or an
 * update that applies only while the row still has the revision read. Batched with the summary deltas of
 * the same labels (dedupe keys carry the new revision), so a label and its delta commit together or not
 * at all, and a concurrent replacement is detected (`changes` 0) instead of subtracting a label twice.
 */
export function feedbackStatements(db: D1Database, rows: readonly FeedbackRow[]): D1PreparedStatement[] {
  return rows.map((row) =>
    row.expectedRevision === null
      ? db
          .prepare(
            "INSERT INTO feedback (prediction_id, model, version, actual, ts, key_id, revision) VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (prediction_id) DO NOTHING",
          )
          .bind(row.predictionId, row.model, row.version, row.actual, row.ts, row.keyId)
      : db
          .prepare(
            "UPDATE feedback SET model = ?, version = ?, actual = ?, ts = ?, key_id = ?, revision = revision + 1 WHERE prediction_id = ? AND revision = ?",
          )
          .bind(
            row.model,
            row.version,
            row.actual,
            row.ts,
            row.keyId,
            row.predictionId,
            row.expectedRevision,
          ),
  );
}
