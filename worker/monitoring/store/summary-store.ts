import type { KeyedSummary } from "../summary/fold.ts";
import { mergeSummaries } from "../summary/merge.ts";
import { parseSummary, serialiseSummary } from "../summary/serialise.ts";
import {
  emptySummary,
  type LabelledSummary,
  type Summary,
  type SummaryKey,
  summaryKeyId,
} from "../summary/summary.ts";

/**
 * D1 storage of monitoring summaries (schema.ts `monitoring_summaries`, `ingested_messages`). Writers only
 * append partial rows, each in the transaction that records its dedupe key; the cron's compaction
 * (store/summary-compaction.ts) folds partials into one compact row per key. Reads merge both.
 */

/** Rows' JSON per statement, far below D1's 2 MB value limit (summary rows are a few KB each). */
const MAX_STATEMENT_JSON_BYTES = 512 * 1024;

/** A summary row to append (kind "partial"). */
export interface PartialRow {
  id: string;
  key: SummaryKey;
  /** Records folded into it (0 for a labelled delta). */
  records: number;
  summary: Summary;
}

export const compactRowId = (key: SummaryKey): string => `c|${summaryKeyId(key)}`;
export const partialRowId = (key: SummaryKey, suffix: string): string => `p|${summaryKeyId(key)}|${suffix}`;

const COLUMNS =
  "id, model, version, route, bucket_start, bucket_ms, kind, revision, records, summary, created_at";

/** Inserts rows from a JSON array; `dedupe` rows are skipped when their dedupe key was already ingested. */
const INSERT_PARTIALS = `INSERT INTO monitoring_summaries (${COLUMNS})
SELECT json_extract(value, '$.id'), json_extract(value, '$.model'), json_extract(value, '$.version'),
  json_extract(value, '$.route'), json_extract(value, '$.bucket_start'), json_extract(value, '$.bucket_ms'),
  'partial', 0, json_extract(value, '$.records'), json_extract(value, '$.summary'), ?2
FROM json_each(?1)
WHERE json_extract(value, '$.dedupe') IS NULL
  OR NOT EXISTS (SELECT 1 FROM ingested_messages WHERE message_id = json_extract(value, '$.dedupe'))`;

/** Dedupe keys, plain INSERT: a key already present fails the whole batch (its transaction rolls back). */
const INSERT_DEDUPE_STRICT = `INSERT INTO ingested_messages (message_id, ts) SELECT value, ?2 FROM json_each(?1)`;
/** Dedupe keys, tolerant: a key already present is left as it is (its delta row was skipped above). */
const INSERT_DEDUPE_TOLERANT = `INSERT INTO ingested_messages (message_id, ts) SELECT value, ?2 FROM json_each(?1)
WHERE true ON CONFLICT (message_id) DO NOTHING`;

function chunked(items: readonly string[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && bytes + item.length > MAX_STATEMENT_JSON_BYTES) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.length;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}

const rowJson = (row: PartialRow, dedupe: string | null) =>
  JSON.stringify({
    id: row.id,
    model: row.key.model,
    version: row.key.version,
    route: row.key.route,
    bucket_start: row.key.bucket_start,
    bucket_ms: row.key.bucket_ms,
    records: row.records,
    summary: serialiseSummary(row.summary),
    dedupe,
  });

/**
 * Statements appending `rows` and recording `dedupeKeys`, for ONE batch: the dedupe insert comes first and
 * is strict, so a unit ingested concurrently by another consumer aborts this transaction (nothing written)
 * instead of being counted twice.
 */
export function ingestStatements(
  db: D1Database,
  rows: readonly PartialRow[],
  dedupeKeys: readonly string[],
  now: number,
): D1PreparedStatement[] {
  const statements = [db.prepare(INSERT_DEDUPE_STRICT).bind(JSON.stringify(dedupeKeys), now)];
  const insert = db.prepare(INSERT_PARTIALS);
  for (const chunk of chunked(rows.map((row) => rowJson(row, null))))
    statements.push(insert.bind(chunk, now));
  return statements;
}

/** True for the error of a strict dedupe insert that met an already ingested key. */
export const isDedupeConflict = (error: unknown): boolean =>
  /UNIQUE constraint failed: ingested_messages/i.test(String(error));

/** Of `keys`, those already ingested. */
export async function ingestedKeys(db: D1Database, keys: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  if (keys.length === 0) return found;
  for (const chunk of chunked(keys.map((key) => JSON.stringify(key)))) {
    const { results } = await db
      .prepare(
        "SELECT message_id FROM ingested_messages WHERE message_id IN (SELECT value FROM json_each(?1))",
      )
      .bind(chunk)
      .all<{ message_id: string }>();
    for (const row of results) found.add(row.message_id);
  }
  return found;
}

/** A late label's delta for its prediction's key, idempotent on `dedupeKey` (e.g. "fb:<id>:<revision>"). */
export interface LabelledDelta {
  key: SummaryKey;
  labelled: LabelledSummary;
  dedupeKey: string;
}

/**
 * The statements of `appendLabelledDeltas` (no reads; each delta's row is inserted only when its dedupe key
 * is not yet ingested, then the keys are recorded), to run in a caller's batch. Deltas sharing a dedupe key
 * must not be passed together (the first key recorded wins within one statement's snapshot otherwise).
 */
export function labelledDeltaStatements(
  db: D1Database,
  deltas: readonly LabelledDelta[],
  now = Date.now(),
): D1PreparedStatement[] {
  if (deltas.length === 0) return [];
  const rows = deltas.map((delta) =>
    rowJson(
      {
        id: partialRowId(delta.key, delta.dedupeKey),
        key: delta.key,
        records: 0,
        summary: { ...emptySummary(), labelled: delta.labelled },
      },
      delta.dedupeKey,
    ),
  );
  const insert = db.prepare(INSERT_PARTIALS);
  return [
    ...chunked(rows).map((chunk) => insert.bind(chunk, now)),
    db.prepare(INSERT_DEDUPE_TOLERANT).bind(JSON.stringify(deltas.map((delta) => delta.dedupeKey)), now),
  ];
}

/**
 * Appends labelled deltas as partial rows in ONE D1 batch; a delta whose dedupe key was already ingested is
 * skipped (race-free: the key and the row commit together). Returns how many rows were inserted.
 */
export async function appendLabelledDeltas(
  db: D1Database,
  deltas: readonly LabelledDelta[],
): Promise<{ appended: number; skipped: number }> {
  const statements = labelledDeltaStatements(db, deltas);
  if (statements.length === 0) return { appended: 0, skipped: 0 };
  const results = await db.batch(statements);
  const appended = results
    .slice(0, statements.length - 1)
    .reduce((sum, result) => sum + (result.meta.changes ?? 0), 0);
  return { appended, skipped: deltas.length - appended };
}

/** A stored summary row as read back. */
interface StoredRow {
  id: string;
  version: string;
  route: string;
  bucket_start: number;
  bucket_ms: number;
  summary: string;
}

/**
 * Summaries of `model` whose bucket starts in [start, end), merged per key (its compact row plus its not yet
 * compacted partial rows), ordered by bucket start. Fine (5 min) keys for recent buckets, coarse (1 h) keys
 * for buckets compacted after 26 h, each key once; a window should start on an hour boundary when it reaches
 * past 26 h (a coarse bucket belongs to the window when its start does). Cost: the window's rows (one compact
 * row per key plus the partials of the last ~15 min), independent of the traffic. A row that does not parse
 * is logged and left out.
 */
export async function readSummaries(
  db: D1Database,
  model: string,
  start: number,
  end: number,
): Promise<KeyedSummary[]> {
  const { results } = await db
    .prepare(
      `SELECT id, version, route, bucket_start, bucket_ms, summary FROM monitoring_summaries
       WHERE model = ?1 AND bucket_start >= ?2 AND bucket_start < ?3`,
    )
    .bind(model, start, end)
    .all<StoredRow>();
  const merged = new Map<string, KeyedSummary>();
  for (const row of results) {
    let summary: Summary;
    try {
      summary = parseSummary(row.summary);
    } catch (error) {
      console.error(JSON.stringify({ event: "summary_unreadable", id: row.id, error: String(error) }));
      continue;
    }
    const key = {
      model,
      version: row.version,
      route: row.route,
      bucket_start: row.bucket_start,
      bucket_ms: row.bucket_ms,
    } as SummaryKey;
    const id = summaryKeyId(key);
    const seen = merged.get(id);
    merged.set(id, { key, summary: seen ? mergeSummaries(seen.summary, summary) : summary });
  }
  return [...merged.values()].sort(
    (a, b) =>
      a.key.bucket_start - b.key.bucket_start || summaryKeyId(a.key).localeCompare(summaryKeyId(b.key)),
  );
}
