import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { compactKey, compactSummaries } from "../worker/monitoring/store/summary-compaction.ts";
import { appendLabelledDeltas, readSummaries } from "../worker/monitoring/store/summary-store.ts";
import { ingestRecords, ingestUnits } from "../worker/monitoring/summary/ingest.ts";
import { labelledDelta } from "../worker/monitoring/summary/labelled.ts";
import { mergeAll } from "../worker/monitoring/summary/merge.ts";
import {
  COARSE_BUCKET_MS,
  FINE_BUCKET_MS,
  fineKey,
  type RegressionLabelled,
  type Summary,
} from "../worker/monitoring/summary/summary.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { predictionRecord, replayRows } from "./support/monitoring-helpers.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

const manifest = shippedVersion("recommender").manifest;
const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);

/** Replay rows of the recommender's default version, `count` of them from `start`, spread over `spanMs`. */
function records(
  prefix: string,
  count: number,
  start: number,
  spanMs = 4 * FINE_BUCKET_MS,
): PredictionRecord[] {
  const { rows } = replayRows("recommender", "101");
  return Array.from({ length: count }, (_, i) =>
    predictionRecord(`${prefix}-${i}`, {
      ts: start + Math.floor((i * spanMs) / count),
      request_id: `${prefix}-q${i}`,
      model: manifest.model,
      version: manifest.version,
      route: i % 4 === 0 ? "ab" : "default",
      inputs: rows[i % rows.length] ?? {},
      output: 1 + (i % 9) / 2,
      label: null,
      latency_ms: 1 + (i % 50),
    }),
  );
}

async function windowTotal(start = NOW - 40 * 3_600_000, end = NOW + 3_600_000): Promise<Summary | null> {
  return mergeAll((await readSummaries(env.DB, manifest.model, start, end)).map((entry) => entry.summary));
}

const rowCount = async (where = "1 = 1") =>
  (
    await env.DB.prepare(`SELECT count(*) AS n FROM monitoring_summaries WHERE ${where}`).first<{
      n: number;
    }>()
  )?.n ?? 0;

beforeAll(async () => {
  await seedShippedModels(env, ["recommender"]);
});

beforeEach(async () => {
  await env.DB.exec(
    "DELETE FROM monitoring_summaries; DELETE FROM ingested_messages; DELETE FROM predictions;",
  );
});

describe("ingest", () => {
  it("counts a redelivered unit once, alone or in another batch composition", async () => {
    const a = records("a", 120, NOW - 3_600_000);
    const b = records("b", 80, NOW - 3_600_000);
    expect(await ingestRecords(env, a, ["spill/a"], readManifest)).toEqual({ skipped: false });
    expect(await ingestRecords(env, a, ["spill/a"], readManifest)).toEqual({ skipped: true });
    const units = [
      { dedupeKey: "m-1", records: b.slice(0, 50) },
      { dedupeKey: "m-2", records: b.slice(50) },
    ];
    expect(await ingestUnits(env, units.slice(0, 1), readManifest)).toEqual({ ingested: 1, skipped: 0 });
    // m-1 redelivered together with m-2: only m-2 is new
    expect(await ingestUnits(env, units, readManifest)).toEqual({ ingested: 1, skipped: 1 });
    expect(await ingestUnits(env, units, readManifest)).toEqual({ ingested: 0, skipped: 2 });
    const total = await windowTotal();
    expect(total?.n).toBe(200);
    expect(total?.features?.item_price?.n).toBe(200);
    // the raw sample keeps every row at this traffic, each once
    const raw = await env.DB.prepare("SELECT count(*) AS n FROM predictions").first<{ n: number }>();
    expect(raw?.n).toBe(200);
  });

  it("counts a unit once when two consumers ingest it at the same time", async () => {
    const unit = { dedupeKey: "m-race", records: records("race", 150, NOW - 2 * 3_600_000) };
    const results = await Promise.all([
      ingestUnits(env, [unit], readManifest),
      ingestUnits(env, [unit], readManifest),
      ingestRecords(env, unit.records, ["m-race"], readManifest),
    ]);
    const ingested = results.filter((result) =>
      "ingested" in result ? result.ingested === 1 : !result.skipped,
    );
    expect(ingested).toHaveLength(1);
    expect((await windowTotal())?.n).toBe(150);
  });

  it("folds on the serving version's manifest read through the registry", async () => {
    await ingestRecords(env, records("m", 40, NOW - 3_600_000), ["k-m"], readManifest);
    const summaries = await readSummaries(env.DB, manifest.model, NOW - 2 * 3_600_000, NOW);
    expect(summaries.every((entry) => entry.key.version === manifest.version)).toBe(true);
    const total = mergeAll(summaries.map((entry) => entry.summary));
    expect(total?.prediction?.n).toBe(40);
    expect(total?.unreferenced).toBeUndefined();
  });
});

describe("labelled deltas", () => {
  it("land in their prediction's bucket, once per dedupe key", async () => {
    const predictedAt = NOW - 5 * 3_600_000 + 7 * 60_000;
    const key = fineKey(manifest.model, manifest.version, "default", predictedAt);
    const delta = labelledDelta(manifest, { output: 3.5 }, 4);
    if (!delta) throw new Error("delta expected");
    expect(await appendLabelledDeltas(env.DB, [{ key, labelled: delta, dedupeKey: "fb:x:1" }])).toEqual({
      appended: 1,
      skipped: 0,
    });
    expect(await appendLabelledDeltas(env.DB, [{ key, labelled: delta, dedupeKey: "fb:x:1" }])).toEqual({
      appended: 0,
      skipped: 1,
    });
    const summaries = await readSummaries(env.DB, manifest.model, NOW - 24 * 3_600_000, NOW);
    const labelled = summaries.filter((entry) => entry.summary.labelled);
    expect(labelled).toHaveLength(1);
    expect(labelled[0]?.key.bucket_start).toBe(Math.floor(predictedAt / FINE_BUCKET_MS) * FINE_BUCKET_MS);
    expect((labelled[0]?.summary.labelled?.performance as RegressionLabelled | undefined)?.n).toBe(1);
  });
});

describe("compaction", () => {
  it("merges partials into one compact row per key without changing what a window reads", async () => {
    for (let i = 0; i < 5; i++) {
      await ingestRecords(env, records(`p${i}`, 60, NOW - 3_600_000), [`k-p${i}`], readManifest);
    }
    const before = await windowTotal();
    const partials = await rowCount("kind = 'partial'");
    expect(partials).toBeGreaterThan(5);
    const result = await compactSummaries(env.DB, NOW);
    expect(result.rows).toBe(partials);
    expect(await rowCount("kind = 'partial'")).toBe(0);
    const keys = (await readSummaries(env.DB, manifest.model, NOW - 2 * 3_600_000, NOW)).length;
    expect(await rowCount("kind = 'compact'")).toBe(keys);
    expect(await windowTotal()).toEqual(before);
  });

  it("lets exactly one of two compactions of the same key win; the loser changes nothing", async () => {
    for (let i = 0; i < 3; i++) {
      await ingestRecords(
        env,
        records(`w${i}`, 30, NOW - 3_600_000, FINE_BUCKET_MS),
        [`k-w${i}`],
        readManifest,
      );
    }
    const key = fineKey(manifest.model, manifest.version, "default", NOW - 3_600_000);
    const before = await windowTotal();
    // both read the same partials and (absent) compact row before either writes
    const merged = await Promise.all([compactKey(env.DB, key, NOW), compactKey(env.DB, key, NOW)]);
    expect(merged.map((result) => result.merged).sort()).toEqual([0, 3]);
    expect(merged.map((result) => result.lost).sort()).toEqual([false, true]);
    expect(await windowTotal()).toEqual(before);
    // and again against an existing compact row (the conditional update on its revision)
    await ingestRecords(env, records("w3", 30, NOW - 3_600_000, FINE_BUCKET_MS), ["k-w3"], readManifest);
    const again = await Promise.all([compactKey(env.DB, key, NOW), compactKey(env.DB, key, NOW)]);
    expect(again.map((result) => result.merged).sort()).toEqual([0, 1]);
    expect(again.map((result) => result.lost).sort()).toEqual([false, true]);
    expect((await windowTotal())?.n).toBe((before?.n ?? 0) + 30);
  });

  it("loses and doubles nothing when compactions overlap each other and ingestion", async () => {
    let expected = 0;
    let lostRaces = 0;
    for (let round = 0; round < 4; round++) {
      const batch = records(`c${round}`, 90, NOW - 3_600_000, 2 * FINE_BUCKET_MS);
      expected += batch.length;
      const results = await Promise.all([
        compactSummaries(env.DB, NOW),
        ingestRecords(env, batch.slice(0, 45), [`k-c${round}a`], readManifest),
        compactSummaries(env.DB, NOW),
        ingestRecords(env, batch.slice(45), [`k-c${round}b`], readManifest),
        compactSummaries(env.DB, NOW),
      ]);
      expect(results).toHaveLength(5);
      lostRaces += results.reduce((sum, result) => sum + ("lost_races" in result ? result.lost_races : 0), 0);
      expect((await windowTotal())?.n).toBe(expected);
    }
    // the overlap really raced (some compactions read rows another one then changed)
    expect(lostRaces).toBeGreaterThan(0);
    await compactSummaries(env.DB, NOW);
    expect(await rowCount("kind = 'partial'")).toBe(0);
    const total = await windowTotal();
    expect(total?.n).toBe(expected);
    expect(total?.requests).toBe(expected);
    expect(total?.latency?.count).toBe(expected);
  });

  it("drains a label backlog (label-only partials) in one run: pages of one key, and many keys", async () => {
    // one key with 4,500 labels (more than two pages of sources), 40 more keys with 10 labels each
    const labels: Parameters<typeof appendLabelledDeltas>[1][number][] = [];
    const hot = fineKey(manifest.model, manifest.version, "default", NOW - 3_600_000);
    for (let i = 0; i < 4_500; i++) {
      const labelled = labelledDelta(manifest, { output: 2 }, 1 + (i % 7));
      if (!labelled) throw new Error("delta expected");
      labels.push({ key: hot, labelled, dedupeKey: `fb:hot${i}:1` });
    }
    for (let k = 0; k < 40; k++) {
      const key = fineKey(manifest.model, manifest.version, "ab", NOW - 20 * 3_600_000 + k * FINE_BUCKET_MS);
      for (let i = 0; i < 10; i++) {
        const labelled = labelledDelta(manifest, { output: 3 }, 2 + i);
        if (!labelled) throw new Error("delta expected");
        labels.push({ key, labelled, dedupeKey: `fb:k${k}-${i}:1` });
      }
    }
    for (let start = 0; start < labels.length; start += 1_000) {
      await appendLabelledDeltas(env.DB, labels.slice(start, start + 1_000));
    }
    expect(await rowCount("kind = 'partial'")).toBe(4_900);
    const before = await windowTotal();
    const result = await compactSummaries(env.DB, NOW);
    expect(result).toEqual({ targets: 41, rows: 4_900, lost_races: 0 });
    expect(await rowCount("kind = 'partial'")).toBe(0);
    expect(await rowCount()).toBe(41);
    const after = await windowTotal();
    expect((after?.labelled?.performance as RegressionLabelled | undefined)?.n).toBe(4_900);
    // the same sums, merged in another order (floating-point rounding only)
    const merged = after?.labelled?.performance as unknown as Record<string, unknown>;
    for (const [name, value] of Object.entries(before?.labelled?.performance ?? {})) {
      if (typeof value === "number") expect(merged[name] as number).toBeCloseTo(value, 6);
      else expect(merged[name]).toEqual(value);
    }
  });

  it("moves fine buckets older than 26 h into hourly ones, late partials included", async () => {
    const hour = Math.floor((NOW - 30 * 3_600_000) / COARSE_BUCKET_MS) * COARSE_BUCKET_MS;
    await ingestRecords(env, records("old", 120, hour, COARSE_BUCKET_MS), ["k-old"], readManifest);
    await compactSummaries(env.DB, hour + 2 * 3_600_000); // compacted while recent: fine compact rows
    const delta = labelledDelta(manifest, { output: 2 }, 3);
    if (!delta) throw new Error("delta expected");
    const key = fineKey(manifest.model, manifest.version, "default", hour + 10 * 60_000);
    await appendLabelledDeltas(env.DB, [{ key, labelled: delta, dedupeKey: "fb:old:1" }]);
    const before = await windowTotal();
    await compactSummaries(env.DB, NOW);
    const after = await readSummaries(env.DB, manifest.model, hour, hour + COARSE_BUCKET_MS);
    expect(after.map((entry) => entry.key.bucket_ms)).toEqual([COARSE_BUCKET_MS, COARSE_BUCKET_MS]);
    expect(await rowCount(`bucket_ms = ${FINE_BUCKET_MS}`)).toBe(0);
    const total = await windowTotal();
    expect(total?.n).toBe(120);
    expect(total?.n).toBe(before?.n);
    expect((total?.labelled?.performance as RegressionLabelled | undefined)?.n).toBe(1);
    expect(total?.features).toEqual(before?.features);
  });
});
