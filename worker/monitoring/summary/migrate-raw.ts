import type { Bindings } from "../../platform/env.ts";
import type { LogRoute, LogStatus } from "../../vocabulary/index.ts";
import type { PredictionRecord } from "../prediction-record.ts";
import { ingestStatements, type PartialRow, partialRowId } from "../store/summary-store.ts";
import { foldRecords, type KeyedSummary } from "./fold.ts";
import { type ManifestReader, manifestsOf } from "./ingest.ts";
import { labelledDelta } from "./labelled.ts";
import { mergeLabelled } from "./merge.ts";
import { emptySummary, fineKey, summaryKeyId } from "./summary.ts";

/**
 * Migration of a deployment's raw D1 log (issue 9, item 6): rows of `predictions` written before summaries
 * existed (`summarised` IS NULL) are folded, page by page, into summary partial rows exactly as the consumer
 * folds records, with their labels (feedback rows of revision 0: written by the old code, never folded) as
 * labelled deltas in the prediction's bucket. One page is ONE D1 transaction: the partial rows, the page's
 * dedupe key, `summarised = 1` on its rows and `revision = 1` on its labels; guards abort it when any of those
 * rows changed since they were read (a concurrent migration, a label replaced meanwhile), and the page is
 * read again. Resumable and idempotent: a rerun continues with the rows still unmarked, whatever the page size.
 * Phase 2 folds the revision-0 labels of predictions already counted (logged by the old producer, consumed by
 * the new consumer around the deploy).
 */

interface RawRow {
  id: string;
  ts: number;
  request_id: string;
  model: string;
  version: string;
  route: LogRoute;
  subject_hash: string | null;
  inputs: string;
  output: number | null;
  label: string | null;
  probabilities: string | null;
  interval_level: number | null;
  interval_lower: number | null;
  interval_upper: number | null;
  latency_ms: number;
  colo: string | null;
  country: string | null;
  key_id: string | null;
  status: LogStatus;
  error: string | null;
  actual: number | null;
}

const parseJson = <T>(text: string | null, fallback: T): T => {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

function recordOf(row: RawRow): PredictionRecord {
  return {
    id: row.id,
    ts: row.ts,
    request_id: row.request_id,
    model: row.model,
    version: row.version,
    route: row.route,
    subject_hash: row.subject_hash,
    inputs: parseJson<Record<string, unknown>>(row.inputs, {}),
    output: row.output,
    label: row.label,
    probabilities: parseJson<number[] | null>(row.probabilities, null),
    interval:
      row.interval_level !== null && row.interval_lower !== null && row.interval_upper !== null
        ? { level: row.interval_level, lower: row.interval_lower, upper: row.interval_upper }
        : null,
    latency_ms: row.latency_ms,
    colo: row.colo,
    country: row.country,
    key_id: row.key_id,
    status: row.status,
    error: row.error,
  };
}

const SELECT_ROWS = `SELECT p.id, p.ts, p.request_id, p.model, p.version, p.route, p.subject_hash, p.inputs, p.output,
  p.label, p.probabilities, p.interval_level, p.interval_lower, p.interval_upper, p.latency_ms, p.colo, p.country,
  p.key_id, p.status, p.error, f.actual AS actual
FROM predictions p LEFT JOIN feedback f ON f.prediction_id = p.id AND f.revision = 0`;

/** Page phase 1: rows never folded. Phase 2: rows folded, whose label was written by the old code. */
const PAGE_QUERIES = {
  rows: `${SELECT_ROWS} WHERE p.summarised IS NULL ORDER BY p.ts, p.id LIMIT ?1`,
  labels: `${SELECT_ROWS} WHERE p.summarised = 1 AND f.prediction_id IS NOT NULL ORDER BY p.ts, p.id LIMIT ?1`,
} as const;

/** Fails the transaction (NOT NULL on the dedupe key) unless exactly ?2 of the ids ?1 still match `condition`. */
const guard = (table: string, idColumn: string, condition: string) =>
  `INSERT INTO ingested_messages (message_id, ts) SELECT NULL, 0
   WHERE (SELECT count(*) FROM ${table} WHERE ${idColumn} IN (SELECT value FROM json_each(?1)) AND ${condition}) != ?2`;

interface MigrationPage {
  phase: "rows" | "labels";
  /** Raw rows folded (phase rows) or labels folded (phase labels) by this page. */
  rows: number;
  labels: number;
  /** Nothing is left to migrate. */
  done: boolean;
}

/** Attempts of a page whose rows changed between its read and its write. */
const MAX_ATTEMPTS = 3;

/** The page's summaries: the fold of its rows (phase rows) and the labelled deltas of its labels. */
async function pageSummaries(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  rows: readonly RawRow[],
  phase: MigrationPage["phase"],
  readManifest: ManifestReader,
): Promise<{ summaries: Map<string, KeyedSummary>; labelledIds: string[] }> {
  const records = rows.map(recordOf);
  const manifests = await manifestsOf(env.REGISTRY, records, readManifest);
  const lookup = (model: string, version: string) => manifests.get(`${model}\n${version}`);
  const summaries = phase === "rows" ? foldRecords(records, lookup) : new Map<string, KeyedSummary>();
  const labelledIds: string[] = [];
  records.forEach((record, index) => {
    const actual = rows[index]?.actual ?? null;
    if (actual === null) return;
    labelledIds.push(record.id);
    const manifest = lookup(record.model, record.version);
    if (!manifest || record.output === null || record.status !== "ok") return;
    const delta = labelledDelta(
      manifest,
      { output: record.output, probabilities: record.probabilities, interval: record.interval },
      actual,
    );
    if (!delta) return;
    const key = fineKey(record.model, record.version, record.route, record.ts);
    const id = summaryKeyId(key);
    const entry = summaries.get(id) ?? { key, summary: emptySummary() };
    entry.summary.labelled = entry.summary.labelled ? mergeLabelled(entry.summary.labelled, delta) : delta;
    summaries.set(id, entry);
  });
  return { summaries, labelledIds };
}

/** Migrates one page of at most `limit` rows (phase rows first, then labels). */
export async function migrateRawPage(
  env: Pick<Bindings, "DB" | "REGISTRY">,
  readManifest: ManifestReader,
  limit = 500,
  now = Date.now(),
): Promise<MigrationPage> {
  for (const phase of ["rows", "labels"] as const) {
    for (let attempt = 1; ; attempt++) {
      const { results: rows } = await env.DB.prepare(PAGE_QUERIES[phase]).bind(limit).all<RawRow>();
      if (rows.length === 0) break;
      const { summaries, labelledIds } = await pageSummaries(env, rows, phase, readManifest);
      const pageKey = `migrate:${phase}:${rows[0]?.id}:${rows.at(-1)?.id}:${rows.length}`;
      const partials: PartialRow[] = [...summaries.values()].map(({ key, summary }) => ({
        id: partialRowId(key, pageKey),
        key,
        records: summary.n,
        summary,
      }));
      const ids = JSON.stringify(rows.map((row) => row.id));
      const labelled = JSON.stringify(labelledIds);
      const db = env.DB;
      const statements = [
        db
          .prepare(guard("predictions", "id", phase === "rows" ? "summarised IS NULL" : "summarised = 1"))
          .bind(ids, rows.length),
        db.prepare(guard("feedback", "prediction_id", "revision = 0")).bind(labelled, labelledIds.length),
        ...ingestStatements(db, partials, [pageKey], now),
        db
          .prepare(
            "UPDATE feedback SET revision = 1 WHERE prediction_id IN (SELECT value FROM json_each(?1)) AND revision = 0",
          )
          .bind(labelled),
      ];
      if (phase === "rows") {
        statements.push(
          db
            .prepare("UPDATE predictions SET summarised = 1 WHERE id IN (SELECT value FROM json_each(?1))")
            .bind(ids),
        );
      }
      try {
        await db.batch(statements);
        return { phase, rows: phase === "rows" ? rows.length : 0, labels: labelledIds.length, done: false };
      } catch (error) {
        const changed =
          /NOT NULL constraint failed: ingested_messages|UNIQUE constraint failed: ingested_messages/i;
        if (!changed.test(String(error)) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
  return { phase: "labels", rows: 0, labels: 0, done: true };
}
