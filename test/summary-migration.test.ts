import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { readSummaries } from "../worker/monitoring/store/summary-store.ts";
import { foldRecords } from "../worker/monitoring/summary/fold.ts";
import { mergeAll } from "../worker/monitoring/summary/merge.ts";
import { migrateRawPage } from "../worker/monitoring/summary/migrate-raw.ts";
import {
  FINE_BUCKET_MS,
  type RegressionLabelled,
  type Summary,
} from "../worker/monitoring/summary/summary.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { predictionRecord, replayRows } from "./support/monitoring-helpers.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

const manifest = shippedVersion("recommender").manifest;
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

/** 300 recommender rows over 3 hours, as the pre-summary code logged them. */
function oldRecords(): { records: PredictionRecord[]; actuals: number[] } {
  const { rows, actuals } = replayRows("recommender", "102");
  const records = rows.slice(0, 300).map((row, i) =>
    predictionRecord(`old-${i}`, {
      ts: T0 + i * 36_000,
      request_id: `old-q${i}`,
      model: manifest.model,
      version: manifest.version,
      route: i % 5 === 0 ? "shadow" : "default",
      inputs: row,
      output: 1 + (i % 8) / 2,
      label: null,
      latency_ms: 1 + (i % 30),
      colo: i % 2 ? "FRA" : null,
    }),
  );
  return { records, actuals: actuals.slice(0, 300) };
}

/** The pre-migration INSERT: no `summarised` column (NULL), feedback without a revision (0). */
async function insertTheOldWay(records: readonly PredictionRecord[], actuals: readonly number[]) {
  const insert = env.DB.prepare(
    `INSERT INTO predictions (id, ts, request_id, model, version, route, subject_hash, inputs, output, label,
       probabilities, interval_level, interval_lower, interval_upper, latency_ms, colo, country, key_id, status, error)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, ?7, ?8, NULL, NULL, NULL, NULL, NULL, ?9, ?10, NULL, NULL, 'ok', NULL)`,
  );
  const label = env.DB.prepare(
    "INSERT INTO feedback (prediction_id, model, actual, ts) VALUES (?1, ?2, ?3, ?4)",
  );
  const statements = records.flatMap((record, i) => [
    insert.bind(
      record.id,
      record.ts,
      record.request_id,
      record.model,
      record.version,
      record.route,
      JSON.stringify(record.inputs),
      record.output,
      record.latency_ms,
      record.colo,
    ),
    // every third served row has a label
    ...(i % 3 === 0 && record.route !== "shadow"
      ? [label.bind(record.id, record.model, actuals[i] as number, record.ts + 60_000)]
      : []),
  ]);
  await env.DB.batch(statements);
}

async function migrateAll(page: number): Promise<number> {
  let pages = 0;
  for (;;) {
    const result = await migrateRawPage(env, readManifest, page);
    if (result.done) return pages;
    pages += 1;
  }
}

const total = async (): Promise<Summary | null> =>
  mergeAll(
    (await readSummaries(env.DB, manifest.model, T0 - 3_600_000, T0 + 6 * 3_600_000)).map(
      (entry) => entry.summary,
    ),
  );

/** A summary without its floating sums and sketch sums (what must be identical across fold orders). */
const counts = (summary: Summary | null) =>
  JSON.parse(
    JSON.stringify(summary, (key, value) =>
      ["sum", "sum_sq", "labelled"].includes(key) ? undefined : value,
    ),
  );

beforeAll(async () => {
  await seedShippedModels(env, ["recommender"]);
});

beforeEach(async () => {
  await env.DB.exec(
    "DELETE FROM monitoring_summaries; DELETE FROM ingested_messages; DELETE FROM predictions; DELETE FROM feedback;",
  );
});

describe("migrating raw D1 logs into summaries", () => {
  it("folds every old row and label once, exactly as the consumer would", async () => {
    const { records, actuals } = oldRecords();
    await insertTheOldWay(records, actuals);
    expect(await migrateAll(40)).toBe(8);
    const migrated = await total();
    const direct = mergeAll([...foldRecords(records, () => manifest).values()].map((entry) => entry.summary));
    expect(counts(migrated)).toEqual(counts(direct));
    const labelled = migrated?.labelled?.performance as RegressionLabelled;
    const labels = records.filter((record, i) => i % 3 === 0 && record.route !== "shadow");
    expect(labelled.n).toBe(labels.length);
    const sse = labels.reduce(
      (s, record) => s + ((record.output as number) - (actuals[records.indexOf(record)] as number)) ** 2,
      0,
    );
    expect(Math.abs(labelled.sum_e2 - sse)).toBeLessThan(1e-9 * sse);
    // each label lands in its prediction's 5-minute bucket
    const buckets = await readSummaries(env.DB, manifest.model, T0, T0 + FINE_BUCKET_MS);
    expect(
      buckets.reduce(
        (s, entry) => s + ((entry.summary.labelled?.performance as RegressionLabelled | undefined)?.n ?? 0),
        0,
      ),
    ).toBe(labels.filter((record) => record.ts < T0 + FINE_BUCKET_MS).length);
    // rows and labels are marked folded
    const left = await env.DB.prepare(
      "SELECT count(*) AS n FROM predictions WHERE summarised IS NULL",
    ).first<{ n: number }>();
    expect(left?.n).toBe(0);
    const unfolded = await env.DB.prepare("SELECT count(*) AS n FROM feedback WHERE revision = 0").first<{
      n: number;
    }>();
    expect(unfolded?.n).toBe(0);
  });

  it("is idempotent and resumable: a rerun or a rerun with another page size adds nothing", async () => {
    const { records, actuals } = oldRecords();
    await insertTheOldWay(records, actuals);
    // interrupted after 3 pages, resumed with another page size, then run again
    for (let i = 0; i < 3; i++) await migrateRawPage(env, readManifest, 25);
    await migrateAll(70);
    const once = await total();
    expect(await migrateAll(10)).toBe(0);
    expect(await total()).toEqual(once);
    expect(once?.n).toBe(300);
  });

  it("two migrations running at once count every row once", async () => {
    const { records, actuals } = oldRecords();
    await insertTheOldWay(records, actuals);
    await Promise.all([migrateAll(30), migrateAll(30), migrateAll(45)]);
    const migrated = await total();
    expect(migrated?.n).toBe(300);
    expect((migrated?.labelled?.performance as RegressionLabelled | undefined)?.n).toBe(
      records.filter((record, i) => i % 3 === 0 && record.route !== "shadow").length,
    );
  });

  it("folds old labels of rows the new consumer already counted (phase 2), once", async () => {
    const { records, actuals } = oldRecords();
    await insertTheOldWay(records.slice(0, 30), actuals);
    await env.DB.exec("UPDATE predictions SET summarised = 1");
    expect(await migrateAll(50)).toBe(1);
    const migrated = await total();
    expect(migrated?.n).toBe(0);
    expect((migrated?.labelled?.performance as RegressionLabelled | undefined)?.n).toBe(
      records.slice(0, 30).filter((record, i) => i % 3 === 0 && record.route !== "shadow").length,
    );
    expect(await migrateAll(50)).toBe(0);
  });
});
