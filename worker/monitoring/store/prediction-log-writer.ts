import { getTableColumns } from "drizzle-orm";
import type { PredictionRecord } from "../prediction-record.ts";
import { predictions } from "./schema.ts";

/** Each statement carries its rows as one JSON parameter; this keeps it far below D1's 2 MB value limit. */
const MAX_STATEMENT_JSON_BYTES = 512 * 1024;

const COLUMNS = Object.values(getTableColumns(predictions)).map((column) => column.name);

/**
 * One statement inserts many rows from a JSON array (`json_each`), instead of a few rows per statement under
 * D1's 100 bound parameters. Conflicts on the id are ignored, so redelivery never duplicates a row.
 */
const INSERT_FROM_JSON = `INSERT INTO predictions (${COLUMNS.join(", ")})
SELECT ${COLUMNS.map((name) => `json_extract(value, '$.${name}')`).join(", ")}
FROM json_each(?1) WHERE true
ON CONFLICT (id) DO NOTHING`;

/** The record as the row D1 stores, keyed by column name. */
function toPredictionRow(record: PredictionRecord): Record<string, unknown> {
  return {
    id: record.id,
    ts: record.ts,
    request_id: record.request_id,
    model: record.model,
    version: record.version,
    route: record.route,
    subject_hash: record.subject_hash,
    inputs: record.inputs,
    output: record.output,
    label: record.label,
    probabilities: record.probabilities ?? null,
    interval_level: record.interval?.level ?? null,
    interval_lower: record.interval?.lower ?? null,
    interval_upper: record.interval?.upper ?? null,
    latency_ms: record.latency_ms,
    colo: record.colo,
    country: record.country,
    key_id: record.key_id,
    status: record.status,
    error: record.error,
    // written by ingest, in the transaction of the summaries that count it
    summarised: 1,
  };
}

/** The statements inserting `records` (JSON chunks under MAX_STATEMENT_JSON_BYTES), to run in a caller's batch. */
export function predictionInsertStatements(
  db: D1Database,
  records: readonly PredictionRecord[],
): D1PreparedStatement[] {
  if (records.length === 0) return [];
  const chunks: string[][] = [[]];
  let bytes = 0;
  for (const record of records) {
    const json = JSON.stringify(toPredictionRow(record));
    const current = chunks[chunks.length - 1] ?? [];
    if (current.length > 0 && bytes + json.length > MAX_STATEMENT_JSON_BYTES) {
      chunks.push([json]);
      bytes = json.length;
    } else {
      current.push(json);
      bytes += json.length;
    }
  }
  const statement = db.prepare(INSERT_FROM_JSON);
  return chunks.map((rows) => statement.bind(`[${rows.join(",")}]`));
}

/** Inserts prediction records in one D1 batch (one transaction: all rows or none). */
export async function insertPredictionRecords(
  db: D1Database,
  records: readonly PredictionRecord[],
): Promise<void> {
  const statements = predictionInsertStatements(db, records);
  if (statements.length > 0) await db.batch(statements);
}
