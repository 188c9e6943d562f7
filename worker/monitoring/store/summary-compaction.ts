import { mergeSummaries } from "../summary/merge.ts";
import { parseSummary, serialiseSummary } from "../summary/serialise.ts";
import {
  bucketStart,
  COARSE_BUCKET_MS,
  COMPACT_AFTER_MS,
  emptySummary,
  FINE_BUCKET_MS,
  type Summary,
  type SummaryKey,
} from "../summary/summary.ts";
import { compactRowId } from "./summary-store.ts";

/**
 * Compaction (the cron): every key's partial rows are merged into its compact row, and fine (5 min) rows
 * older than COMPACT_AFTER_MS into the coarse (1 h) compact row of their hour. Race-free against consumers
 * (they only insert partials, which a compaction either read and deletes, or did not read and leaves) and
 * against overlapping crons: the target row is written only if it still has the revision read AND every
 * source row read still exists with its revision, and the sources are deleted in the same transaction only
 * if this compaction's token is the target's writer. A lost race changes nothing; the next run redoes it.
 */

/**
 * One cron run's budget (it runs every 15 min). Keys are compacted one after the other, a key whose page of
 * MAX_SOURCES source rows was full is compacted again (it has more), until one of the bounds is reached:
 * - ROW_BUDGET source rows merged. Feedback appends one label-only partial row per label (its dedupe key is
 *   the label's), so the arrival at 10M predictions/day is ≈ 1,040 rows per 15 min at 1 % labels and
 *   ≈ 10,400 at 10 %: 120,000 covers > 10× the 10 % arrival (> 100× at 1 %), so a backlog drains instead of
 *   piling up. Traffic adds ≈ 3 fine keys per (version, route) per run, one partial row per consumer batch.
 * - MAX_CALLS key compactions (≤ 3 D1 queries each: ≤ 750, inside the 1,000 queries a Worker invocation
 *   may make, with room for the cron's reports and retention).
 * - TIME_BUDGET_MS of wall time (Date.now moves across the D1 round trips), so the cron's reports still run.
 * Merging a label-only row costs ≈ its JSON parse (≈ 1 KB); one page is ≤ 2,000 rows (≈ 2 MB read).
 */
const MAX_CALLS = 250;
const MAX_SOURCES = 2_000;
const ROW_BUDGET = 120_000;
const TIME_BUDGET_MS = 20_000;

interface SourceRow {
  id: string;
  revision: number;
  records: number;
  summary: string;
}

interface TargetRow {
  revision: number;
  records: number;
  summary: string;
}

const COLUMNS =
  "id, model, version, route, bucket_start, bucket_ms, kind, revision, writer, records, summary, created_at";

/** The source rows still exist with the revisions read: `?pairs` is a JSON array of [id, revision]. */
const SOURCES_INTACT = `(SELECT count(*) FROM monitoring_summaries s, json_each(?pairs) j
  WHERE s.id = json_extract(j.value, '$[0]') AND s.revision = json_extract(j.value, '$[1]')) = ?count`;

const UPDATE_TARGET = `UPDATE monitoring_summaries SET summary = ?summary, records = ?records,
  revision = revision + 1, writer = ?token
WHERE id = ?target AND revision = ?revision AND ${SOURCES_INTACT}`;

const INSERT_TARGET = `INSERT INTO monitoring_summaries (${COLUMNS})
SELECT ?target, ?model, ?version, ?route, ?start, ?width, 'compact', 1, ?token, ?records, ?summary, ?now
WHERE ${SOURCES_INTACT}`;

const DELETE_SOURCES = `DELETE FROM monitoring_summaries
WHERE id IN (SELECT json_extract(value, '$[0]') FROM json_each(?pairs))
  AND EXISTS (SELECT 1 FROM monitoring_summaries WHERE id = ?target AND writer = ?token)`;

/** SQLite numbered parameters from names (D1 binds positionally). */
function positional(sql: string, names: readonly string[]): string {
  return sql.replace(/\?([a-z]+)/g, (_, name: string) => `?${names.indexOf(name) + 1}`);
}

const UPDATE_NAMES = ["summary", "records", "token", "target", "revision", "pairs", "count"];
const INSERT_NAMES = [
  "target",
  "model",
  "version",
  "route",
  "start",
  "width",
  "token",
  "records",
  "summary",
  "now",
  "pairs",
  "count",
];
const DELETE_NAMES = ["pairs", "target", "token"];

/** The rows merged into `target`: its partials, and for a coarse target the fine rows of its hour. */
async function sourcesOf(db: D1Database, target: SummaryKey): Promise<SourceRow[]> {
  const base =
    "SELECT id, revision, records, summary FROM monitoring_summaries WHERE model = ?1 AND version = ?2 AND route = ?3";
  const query =
    target.bucket_ms === COARSE_BUCKET_MS
      ? `${base} AND ((bucket_ms = ?4 AND bucket_start >= ?5 AND bucket_start < ?6)
           OR (bucket_ms = ?7 AND bucket_start = ?5 AND kind = 'partial')) ORDER BY id LIMIT ${MAX_SOURCES}`
      : `${base} AND bucket_ms = ?7 AND bucket_start = ?5 AND kind = 'partial' ORDER BY id LIMIT ${MAX_SOURCES}`;
  const { results } = await db
    .prepare(query)
    .bind(
      target.model,
      target.version,
      target.route,
      FINE_BUCKET_MS,
      target.bucket_start,
      target.bucket_start + COARSE_BUCKET_MS,
      target.bucket_ms,
    )
    .all<SourceRow>();
  return results;
}

/**
 * What one key's compaction did: rows merged, whether it read sources but lost the race to write, and
 * whether its page of sources was full (the key may have more).
 */
interface KeyCompaction {
  merged: number;
  lost: boolean;
  more: boolean;
}

/**
 * Merges `target`'s sources into its compact row. A source that does not parse is left in place and logged.
 * `lost`: a concurrent compaction changed the target or a source between the reads and the write, so
 * nothing was written (the next run redoes it).
 */
export async function compactKey(db: D1Database, target: SummaryKey, now: number): Promise<KeyCompaction> {
  const id = compactRowId(target);
  const page = await sourcesOf(db, target);
  const more = page.length >= MAX_SOURCES;
  const sources = page.filter((row) => row.id !== id);
  const current = await db
    .prepare("SELECT revision, records, summary FROM monitoring_summaries WHERE id = ?1")
    .bind(id)
    .first<TargetRow>();
  let merged: Summary = current ? parseSummary(current.summary) : emptySummary();
  let records = current?.records ?? 0;
  const used: SourceRow[] = [];
  for (const row of sources) {
    try {
      merged = mergeSummaries(merged, parseSummary(row.summary));
    } catch (error) {
      console.error(JSON.stringify({ event: "summary_uncompactable", id: row.id, error: String(error) }));
      continue;
    }
    records += row.records;
    used.push(row);
  }
  if (used.length === 0) return { merged: 0, lost: false, more: false };
  const token = crypto.randomUUID();
  const pairs = JSON.stringify(used.map((row) => [row.id, row.revision]));
  const summary = serialiseSummary(merged);
  const write = current
    ? db
        .prepare(positional(UPDATE_TARGET, UPDATE_NAMES))
        .bind(summary, records, token, id, current.revision, pairs, used.length)
    : db
        .prepare(positional(INSERT_TARGET, INSERT_NAMES))
        .bind(
          id,
          target.model,
          target.version,
          target.route,
          target.bucket_start,
          target.bucket_ms,
          token,
          records,
          summary,
          now,
          pairs,
          used.length,
        );
  const remove = db.prepare(positional(DELETE_SOURCES, DELETE_NAMES)).bind(pairs, id, token);
  try {
    const [written] = await db.batch([write, remove]);
    const won = (written?.meta.changes ?? 0) > 0;
    return { merged: won ? used.length : 0, lost: !won, more };
  } catch (error) {
    // a concurrent compaction inserted the target first (primary key): it won, nothing was written here
    if (/UNIQUE constraint failed: monitoring_summaries/i.test(String(error)))
      return { merged: 0, lost: true, more };
    throw error;
  }
}

interface KeyRow {
  model: string;
  version: string;
  route: SummaryKey["route"];
  bucket_start: number;
  bucket_ms: number;
}

/**
 * One compaction pass at `now`: keys with partial rows (recent ones first: what reports read) and hours
 * of fine rows older than COMPACT_AFTER_MS, each compacted until it has no full page left, within the run's
 * budget (MAX_CALLS compactions, ROW_BUDGET rows, TIME_BUDGET_MS). Returns keys compacted and rows merged.
 */
export async function compactSummaries(
  db: D1Database,
  now: number,
  maxCalls = MAX_CALLS,
): Promise<{ targets: number; rows: number; lost_races: number }> {
  const started = Date.now();
  const cutoff = bucketStart(now - COMPACT_AFTER_MS, COARSE_BUCKET_MS);
  const { results: partialKeys } = await db
    .prepare(
      `SELECT DISTINCT model, version, route, bucket_start, bucket_ms FROM monitoring_summaries
       WHERE kind = 'partial' AND NOT (bucket_ms = ?1 AND bucket_start < ?2)
       ORDER BY bucket_start DESC LIMIT ?3`,
    )
    .bind(FINE_BUCKET_MS, cutoff, maxCalls)
    .all<KeyRow>();
  const { results: oldHours } = await db
    .prepare(
      `SELECT DISTINCT model, version, route, (bucket_start / ?3) * ?3 AS bucket_start, ?3 AS bucket_ms
       FROM monitoring_summaries WHERE bucket_ms = ?1 AND bucket_start < ?2 LIMIT ?4`,
    )
    .bind(FINE_BUCKET_MS, cutoff, COARSE_BUCKET_MS, maxCalls)
    .all<KeyRow>();
  const keys = [...partialKeys, ...oldHours];
  let calls = 0;
  let targets = 0;
  let rows = 0;
  let lost = 0;
  for (const key of keys) {
    targets += 1;
    for (;;) {
      const result = await compactKey(db, key, now);
      calls += 1;
      rows += result.merged;
      if (result.lost) lost += 1;
      const overBudget = calls >= maxCalls || rows >= ROW_BUDGET || Date.now() - started >= TIME_BUDGET_MS;
      if (overBudget) return { targets, rows, lost_races: lost };
      // a full page merged: the key has more sources (a lost race is left to the next run)
      if (!result.more || result.lost) break;
    }
  }
  return { targets, rows, lost_races: lost };
}
