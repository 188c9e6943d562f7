import { drizzle } from "drizzle-orm/d1";
import type { PredictionRecord } from "../monitoring/prediction-record.ts";
import { predictions } from "./schema.ts";

/** 19 columns per row: 5 rows keep a statement under D1's 100 bound parameters. */
const ROWS_PER_STATEMENT = 5;

export function toPredictionRow(record: PredictionRecord): typeof predictions.$inferInsert {
  return {
    id: record.id,
    ts: record.ts,
    requestId: record.request_id,
    model: record.model,
    version: record.version,
    route: record.route,
    subjectHash: record.subject_hash,
    inputs: record.inputs,
    output: record.output,
    label: record.label,
    intervalLevel: record.interval?.level ?? null,
    intervalLower: record.interval?.lower ?? null,
    intervalUpper: record.interval?.upper ?? null,
    latencyMs: record.latency_ms,
    colo: record.colo,
    country: record.country,
    keyId: record.key_id,
    status: record.status,
    error: record.error,
  };
}

/**
 * Inserts prediction records in one D1 batch (one transaction: all rows or none). Conflicts on the id are
 * ignored, so a redelivered queue message or a replayed dead letter never duplicates a row.
 */
export async function insertPredictionRecords(
  db: D1Database,
  records: readonly PredictionRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const orm = drizzle(db);
  const rows = records.map(toPredictionRow);
  const statements = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    statements.push(
      orm
        .insert(predictions)
        .values(rows.slice(start, start + ROWS_PER_STATEMENT))
        .onConflictDoNothing({ target: predictions.id }),
    );
  }
  const [first, ...rest] = statements;
  if (first) await orm.batch([first, ...rest]);
}
