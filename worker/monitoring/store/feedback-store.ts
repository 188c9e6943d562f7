import { type AnyColumn, inArray, type SQL, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { isSealedId, type PredictionFacts } from "../../platform/prediction-id.ts";
import { feedback, predictions } from "./schema.ts";

/** Characters of a sealed id's end kept in its feedback key: they carry its whole 128-bit MAC. */
const SEALED_KEY_TAIL = 22;

/**
 * The `feedback` table's key of a prediction id (column prediction_id, migration 0006). A sealed id
 * (p1_…, 78–133 characters) is keyed by `p1_` + its last 22 characters: base64url of (at least) its 128-bit
 * HMAC, unique per id, 25 characters whatever the task. The `p1_` marker keeps these keys apart from legacy
 * (unsealed) ids, which are kept as they are (a legacy id never starts with p1_: such an id must verify).
 */
export function feedbackKey(id: string): string {
  return isSealedId(id) ? `p1_${id.slice(-SEALED_KEY_TAIL)}` : id;
}

/** feedbackKey in SQL, for joins from a column holding full prediction ids (the recent sample). */
export function feedbackKeySql(column: AnyColumn): SQL {
  return sql`(CASE WHEN substr(${column}, 1, 3) = 'p1_' THEN 'p1_' || substr(${column}, -${sql.raw(String(SEALED_KEY_TAIL))}) ELSE ${column} END)`;
}

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

/** The stored labels of these prediction ids, by id (looked up by their feedbackKey). */
export async function findFeedback(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, StoredFeedback>> {
  const orm = drizzle(db);
  const idOfKey = new Map(ids.map((id) => [feedbackKey(id), id]));
  const keys = [...idOfKey.keys()];
  const found = new Map<string, StoredFeedback>();
  for (let start = 0; start < keys.length; start += IDS_PER_QUERY) {
    const rows = await orm
      .select({ key: feedback.predictionId, actual: feedback.actual, revision: feedback.revision })
      .from(feedback)
      .where(inArray(feedback.predictionId, keys.slice(start, start + IDS_PER_QUERY)));
    for (const row of rows) {
      const id = idOfKey.get(row.key);
      if (id !== undefined) found.set(id, { actual: row.actual, revision: row.revision });
    }
  }
  return found;
}

export interface FeedbackRow {
  /** The full prediction id (stored under its feedbackKey). */
  predictionId: string;
  model: string;
  version: string | null;
  actual: number;
  ts: number;
  keyId: string | null;
  /** The revision read before this write (null: no label yet); the write applies only if it is unchanged. */
  expectedRevision: number | null;
}

/** Labels per statement: the JSON array is one bound parameter (well under D1's 1 MB value limit). */
const LABELS_PER_STATEMENT = 500;

const INSERT_NEW = `INSERT INTO feedback (prediction_id, model, version, actual, ts, key_id, revision)
  SELECT json_extract(value, '$.id'), json_extract(value, '$.model'), json_extract(value, '$.version'),
         json_extract(value, '$.actual'), json_extract(value, '$.ts'), json_extract(value, '$.key_id'), 1
  FROM json_each(?1) WHERE true
  ON CONFLICT (prediction_id) DO NOTHING`;

const UPDATE_EXISTING = `UPDATE feedback SET model = j.model, version = j.version, actual = j.actual, ts = j.ts,
    key_id = j.key_id, revision = feedback.revision + 1
  FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.model') AS model,
               json_extract(value, '$.version') AS version, json_extract(value, '$.actual') AS actual,
               json_extract(value, '$.ts') AS ts, json_extract(value, '$.key_id') AS key_id,
               json_extract(value, '$.expected') AS expected
        FROM json_each(?1)) AS j
  WHERE feedback.prediction_id = j.id AND feedback.revision = j.expected`;

/**
 * Fails the statement (and so the whole D1 batch, a transaction) unless every label now has the revision,
 * value and time this write gives it (an insert that lost to a concurrent first label does nothing, so its
 * revision alone would not tell): json_extract with an invalid path raises "JSON path error near
 * 'feedback_revision_moved'".
 */
const GUARD = `SELECT CASE WHEN (SELECT count(*) FROM feedback f JOIN json_each(?1) j
    ON f.prediction_id = json_extract(j.value, '$.id') AND f.revision = json_extract(j.value, '$.revision')
      AND f.actual = json_extract(j.value, '$.actual') AND f.ts = json_extract(j.value, '$.ts'))
  = json_array_length(?1) THEN 1 ELSE json_extract('{}', 'feedback_revision_moved') END AS ok`;

/** The marker of the guard's failure in a D1 error message. */
export const FEEDBACK_CONFLICT = "feedback_revision_moved";

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += LABELS_PER_STATEMENT) {
    out.push(items.slice(start, start + LABELS_PER_STATEMENT));
  }
  return out;
}

/**
 * The statements writing these labels, for ONE D1 batch with their summary deltas: new labels inserted,
 * existing ones updated only where the row still has the revision read (`expectedRevision`), then a guard
 * that aborts the whole batch (error containing FEEDBACK_CONFLICT) unless every label got its new revision.
 * So a label and its delta commit together or not at all, and a concurrent replacement (or the migration
 * folding a revision-0 label) makes this write retry instead of subtracting a label twice. A bounded number
 * of statements whatever the batch size (3 per 500 labels).
 */
export function feedbackStatements(db: D1Database, rows: readonly FeedbackRow[]): D1PreparedStatement[] {
  const json = (row: FeedbackRow) => ({
    id: feedbackKey(row.predictionId),
    model: row.model,
    version: row.version,
    actual: row.actual,
    ts: row.ts,
    key_id: row.keyId,
    expected: row.expectedRevision,
    revision: (row.expectedRevision ?? 0) + 1,
  });
  const statements: D1PreparedStatement[] = [];
  for (const chunk of chunks(rows.filter((row) => row.expectedRevision === null))) {
    statements.push(db.prepare(INSERT_NEW).bind(JSON.stringify(chunk.map(json))));
  }
  for (const chunk of chunks(rows.filter((row) => row.expectedRevision !== null))) {
    statements.push(db.prepare(UPDATE_EXISTING).bind(JSON.stringify(chunk.map(json))));
  }
  for (const chunk of chunks(rows)) {
    statements.push(db.prepare(GUARD).bind(JSON.stringify(chunk.map(json))));
  }
  return statements;
}
