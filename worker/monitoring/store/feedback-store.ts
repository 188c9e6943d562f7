import { inArray, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { feedback, predictions } from "./schema.ts";

interface LoggedPrediction {
  id: string;
  model: string;
  version: string;
}

/** D1 allows 100 bound parameters per statement. */
const IDS_PER_QUERY = 100;
/** 5 columns per feedback row. */
const FEEDBACK_ROWS_PER_STATEMENT = 20;

export async function findLoggedPredictions(
  db: D1Database,
  ids: readonly string[],
): Promise<Map<string, LoggedPrediction>> {
  const orm = drizzle(db);
  const found = new Map<string, LoggedPrediction>();
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const rows = await orm
      .select({ id: predictions.id, model: predictions.model, version: predictions.version })
      .from(predictions)
      .where(inArray(predictions.id, ids.slice(start, start + IDS_PER_QUERY)));
    for (const row of rows) found.set(row.id, row);
  }
  return found;
}

export interface FeedbackRow {
  predictionId: string;
  model: string;
  actual: number;
  ts: number;
  keyId: string | null;
}

/** Upserts ground truth: a later submission for the same prediction replaces the earlier one. */
export async function upsertFeedback(db: D1Database, rows: readonly FeedbackRow[]): Promise<void> {
  if (rows.length === 0) return;
  const orm = drizzle(db);
  const statements = [];
  for (let start = 0; start < rows.length; start += FEEDBACK_ROWS_PER_STATEMENT) {
    statements.push(
      orm
        .insert(feedback)
        .values(rows.slice(start, start + FEEDBACK_ROWS_PER_STATEMENT))
        .onConflictDoUpdate({
          target: feedback.predictionId,
          set: {
            actual: sql`excluded.actual`,
            ts: sql`excluded.ts`,
            keyId: sql`excluded.key_id`,
            model: sql`excluded.model`,
          },
        }),
    );
  }
  const [first, ...rest] = statements;
  if (first) await orm.batch([first, ...rest]);
}
