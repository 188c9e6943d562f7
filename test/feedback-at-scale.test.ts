/**
 * Feedback at 10M predictions a day (docs/monitoring.md, "Feedback at scale"), in workerd through SELF.fetch:
 * a label for a sealed id needs no lookup and lands in its PREDICTION's summary bucket (hours later too); a
 * later label replaces the earlier one exactly; legacy (UUID) ids are still looked up in the recent sample;
 * the sample keeps every row at low traffic and a bounded number an hour at high traffic.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  idFraction,
  logSampleRates,
  RATE_CACHE_MS,
  resetLogSampleRates,
  SAMPLE_ROWS_PER_HOUR,
  sampleForLog,
} from "../worker/monitoring/log-sample.ts";
import { feedbackKey } from "../worker/monitoring/store/feedback-store.ts";
import { compactSummaries } from "../worker/monitoring/store/summary-compaction.ts";
import { readSummaries } from "../worker/monitoring/store/summary-store.ts";
import { labelledDelta } from "../worker/monitoring/summary/labelled.ts";
import { FINE_BUCKET_MS, type LabelledSummary } from "../worker/monitoring/summary/summary.ts";
import { type PredictionFacts, sealPredictionId } from "../worker/platform/prediction-id.ts";
import { predictionIdKeys } from "../worker/platform/prediction-id-key.ts";
import { workerClient } from "./support/http.ts";
import { predictionRecord, waitForLogged } from "./support/monitoring-helpers.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

const { post } = workerClient();
const HOUR = 3_600_000;

function seal(facts: PredictionFacts): string {
  const keys = predictionIdKeys(env);
  if (!keys) throw new Error("the test binding PREDICTION_ID_KEY is missing");
  return sealPredictionId(keys, facts);
}

/** The labelled part of the summary of the bucket holding `ts` (fine buckets). */
async function labelledAt(facts: PredictionFacts): Promise<LabelledSummary | undefined> {
  const start = Math.floor(facts.ts / FINE_BUCKET_MS) * FINE_BUCKET_MS;
  const keyed = await readSummaries(env.DB, facts.model, start, start + FINE_BUCKET_MS);
  return keyed.find((entry) => entry.key.version === facts.version && entry.key.route === facts.route)
    ?.summary.labelled;
}

const close = (actual: unknown, expected: unknown) => {
  if (typeof expected === "number") {
    expect(actual as number).toBeCloseTo(expected, 9);
    return;
  }
  if (expected && typeof expected === "object") {
    for (const [name, value] of Object.entries(expected)) {
      close((actual as Record<string, unknown>)[name], value);
    }
    return;
  }
  expect(actual).toEqual(expected);
};

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("feedback for sealed ids", () => {
  const recommender = shippedVersion("recommender", "v3_rf_tuned").manifest;
  const facts: PredictionFacts = {
    ts: Date.now() - 5 * HOUR,
    model: "recommender",
    version: "v3_rf_tuned",
    route: "ab",
    output: 3.625,
    label: null,
    probabilities: null,
    interval: { level: 0.9, lower: 2.75, upper: 4.5 },
  };

  it("a label five hours late lands in its prediction's bucket, without a sample row", async () => {
    const id = seal(facts);
    const response = await post(`/v1/predictions/${id}/feedback`, { actual: 4 });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      prediction_id: id,
      model: "recommender",
      version: "v3_rf_tuned",
      actual: 4,
    });
    const labelled = await labelledAt(facts);
    const expected = labelledDelta(recommender, facts as { output: number }, 4, 1);
    expect(labelled?.performance.n).toBe(1);
    close(labelled, expected);
    const sample = await env.DB.prepare("SELECT count(*) AS n FROM predictions WHERE id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(sample?.n).toBe(0);
    // the label also goes to the lake (after the response: poll)
    const deadline = Date.now() + 10_000;
    let lake: string[] = [];
    while (lake.length === 0 && Date.now() < deadline) {
      const listed = await env.LOGS.list({ prefix: "feedback/model=recommender/" });
      lake = listed.objects.map((object) => object.key);
      if (lake.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(lake.length).toBeGreaterThan(0);
    const object = await env.LOGS.get(lake[0] ?? "");
    const text = await new Response(object?.body.pipeThrough(new DecompressionStream("gzip")) ?? null).text();
    expect(text).toContain(`"prediction_id":"${id}"`);
    expect(text).toContain('"replaced":null');
  });

  it("a later label replaces the earlier one exactly; resending the same label changes nothing", async () => {
    const later = { ...facts, ts: facts.ts + 10 * FINE_BUCKET_MS };
    const id = seal(later);
    expect((await post(`/v1/predictions/${id}/feedback`, { actual: 1 })).status).toBe(200);
    expect(
      (await post("/v1/predictions/feedback", { feedback: [{ prediction_id: id, actual: 5 }] })).status,
    ).toBe(200);
    expect((await post(`/v1/predictions/${id}/feedback`, { actual: 5 })).status).toBe(200);
    const labelled = await labelledAt(later);
    expect(labelled?.performance.n).toBe(1);
    close(labelled, labelledDelta(recommender, later as { output: number }, 5, 1));
    const row = await env.DB.prepare("SELECT actual, revision, version FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(id))
      .first<{ actual: number; revision: number; version: string }>();
    expect(row).toEqual({ actual: 5, revision: 3, version: "v3_rf_tuned" });
    // stored under a 25-character key (p1_ + the MAC's 22 characters), never under the ~120-character id
    expect(feedbackKey(id)).toBe(`p1_${id.slice(-22)}`);
    expect(id.length).toBeGreaterThan(100);
    const full = await env.DB.prepare("SELECT count(*) AS n FROM feedback WHERE prediction_id = ?")
      .bind(id)
      .first<{ n: number }>();
    expect(full?.n).toBe(0);
  });

  it("migration 0006 re-keys a label stored under its full sealed id; the next label replaces it", async () => {
    const old = { ...facts, ts: facts.ts + 40 * FINE_BUCKET_MS };
    const id = seal(old);
    const other = crypto.randomUUID();
    // as written before 0006: the full id as key (revision 1: its delta is in the summary)
    expect((await post(`/v1/predictions/${id}/feedback`, { actual: 2 })).status).toBe(200);
    await env.DB.prepare("UPDATE feedback SET prediction_id = ?1 WHERE prediction_id = ?2")
      .bind(id, feedbackKey(id))
      .run();
    await env.DB.prepare(
      "INSERT INTO feedback (prediction_id, model, actual, ts, revision) VALUES (?, 'recommender', 1, ?, 1)",
    )
      .bind(other, old.ts)
      .run();
    const migration = env.TEST_MIGRATIONS.find((entry) => entry.name.startsWith("0006_"));
    const rekey = migration?.queries.filter((query) => query.includes("UPDATE `feedback`")) ?? [];
    expect(rekey).toHaveLength(1);
    for (const query of rekey) await env.DB.prepare(query).run();
    const keys = await env.DB.prepare(
      "SELECT prediction_id AS id FROM feedback WHERE prediction_id IN (?1, ?2, ?3)",
    )
      .bind(id, feedbackKey(id), other)
      .all<{ id: string }>();
    expect(keys.results.map((row) => row.id).sort()).toEqual([feedbackKey(id), other].sort());
    expect((await post(`/v1/predictions/${id}/feedback`, { actual: 5 })).status).toBe(200);
    const row = await env.DB.prepare("SELECT actual, revision FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(id))
      .first<{ actual: number; revision: number }>();
    expect(row).toEqual({ actual: 5, revision: 2 });
    // 2 was subtracted, 5 added: the bucket holds the label 5 alone
    const labelled = await labelledAt(old);
    expect(labelled?.performance.n).toBe(1);
    close(labelled, labelledDelta(recommender, old as { output: number }, 5, 1));
  });

  it("concurrent replacements of one label leave the summary equal to the label that won", async () => {
    const raced = { ...facts, ts: facts.ts + 30 * FINE_BUCKET_MS };
    const id = seal(raced);
    const responses = await Promise.all(
      [1, 2, 3, 4, 5].map((actual) => post(`/v1/predictions/${id}/feedback`, { actual })),
    );
    expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    const row = await env.DB.prepare("SELECT actual, revision FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(id))
      .first<{ actual: number; revision: number }>();
    expect(row?.revision).toBe(5);
    const labelled = await labelledAt(raced);
    expect(labelled?.performance.n).toBe(1);
    close(labelled, labelledDelta(recommender, raced as { output: number }, row?.actual ?? Number.NaN, 1));
  });

  it("a label written before summaries existed (revision 0, never folded) is replaced without subtracting it", async () => {
    const older = { ...facts, ts: facts.ts + 20 * FINE_BUCKET_MS };
    const id = seal(older);
    await env.DB.prepare(
      "INSERT INTO feedback (prediction_id, model, actual, ts, revision) VALUES (?, 'recommender', 2, ?, 0)",
    )
      .bind(feedbackKey(id), older.ts)
      .run();
    expect((await post(`/v1/predictions/${id}/feedback`, { actual: 3 })).status).toBe(200);
    const labelled = await labelledAt(older);
    expect(labelled?.performance.n).toBe(1);
    close(labelled, labelledDelta(recommender, older as { output: number }, 3, 1));
  });

  it("binary and multiclass labels of served predictions land in the served bucket", async () => {
    const credit = await post("/v1/models/kredipusula/predict", {
      instances: [
        { income: 50000, age: 35, credit_history: "good", loan_amount: 10000, employment_years: 5 },
      ],
    });
    const creditId = ((await credit.json()) as { predictions: { id: string }[] }).predictions[0]?.id ?? "";
    const risk = await post("/v1/models/kredipusula_risk/predict", {
      instances: [
        { income: 50000, age: 35, credit_history: "good", loan_amount: 10000, employment_years: 5 },
      ],
    });
    const riskId = ((await risk.json()) as { predictions: { id: string }[] }).predictions[0]?.id ?? "";
    const labelled = await post("/v1/predictions/feedback", {
      feedback: [
        { prediction_id: creditId, actual: true },
        { prediction_id: riskId, actual: "high" },
      ],
    });
    expect(labelled.status).toBe(200);
    const keys = predictionIdKeys(env);
    const { openPredictionId } = await import("../worker/platform/prediction-id.ts");
    for (const id of [creditId, riskId]) {
      const opened = keys ? openPredictionId(keys, id) : null;
      if (!opened?.ok) throw new Error("served id does not open");
      const summary = await labelledAt(opened.facts);
      expect(summary?.performance.n, opened.facts.model).toBeGreaterThanOrEqual(1);
      expect(summary?.performance.task).toBe(
        opened.facts.model === "kredipusula" ? "binary_classification" : "multiclass_classification",
      );
    }
  });
});

describe("feedback cost and retention", () => {
  it("refuses a label for a prediction older than the feedback retention (its predecessor may be pruned)", async () => {
    const id = seal({
      ts: Date.now() - 31 * 24 * HOUR,
      model: "kredipusula",
      version: "v2_gbm",
      route: "default",
      output: 0.5,
      label: "1",
      probabilities: null,
      interval: null,
    });
    const response = await post("/v1/predictions/feedback", { feedback: [{ prediction_id: id, actual: 1 }] });
    const body = (await response.json()) as { errors: { field: string; message: string }[] };
    expect(response.status).toBe(422);
    expect(body.errors[0]).toEqual({
      field: "feedback[0].prediction_id",
      message: "the prediction is older than the feedback retention (30 days)",
    });
  });

  it("measures D1 bytes per label (feedback row + dedupe key + partial delta row before compaction)", async () => {
    const size = async () => Number((await env.DB.prepare("SELECT 1").run()).meta.size_after ?? Number.NaN);
    const before = await size();
    const labels = 1_000;
    const now = Date.now();
    // one request at the batch limit (1,000 labels): a bounded number of D1 statements
    const ids = await Promise.all(
      Array.from({ length: labels }, (_, index) =>
        seal({
          ts: now - index * 1_000,
          model: "kredipusula",
          version: "v2_gbm",
          route: "default",
          output: 0.25 + (index % 50) / 100,
          label: index % 50 >= 25 ? "1" : "0",
          probabilities: null,
          interval: null,
        }),
      ),
    );
    const response = await post("/v1/predictions/feedback", {
      feedback: ids.map((id, index) => ({ prediction_id: id, actual: index % 3 === 0 ? 1 : 0 })),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { recorded: number }).recorded).toBe(labels);
    const uncompacted = ((await size()) - before) / labels;
    // the cron's compaction merges the partial delta rows into their key's compact row; freed pages are reused
    await compactSummaries(env.DB, now);
    const compactedAt = await size();
    for (let start = 0; start < labels; start += 100) {
      const ids = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          seal({
            ts: now - (start + index) * 1_000,
            model: "kredipusula",
            version: "v2_gbm",
            route: "default",
            output: 0.25 + (index % 50) / 100,
            label: index % 50 >= 25 ? "1" : "0",
            probabilities: null,
            interval: null,
          }),
        ),
      );
      const response = await post("/v1/predictions/feedback", {
        feedback: ids.map((id, index) => ({ prediction_id: id, actual: index % 2 })),
      });
      expect(response.status).toBe(200);
      await compactSummaries(env.DB, now);
    }
    const compacted = ((await size()) - compactedAt) / labels;
    console.log(
      `feedback cost: ${uncompacted.toFixed(0)} D1 bytes per label before compaction, ${compacted.toFixed(0)} with compaction after every 100 labels (binary, 78-character ids)`,
    );
    expect(uncompacted).toBeGreaterThan(0);
    expect(compacted).toBeLessThan(uncompacted);
  });
});

describe("legacy ids", () => {
  it("a UUID id is looked up in the recent sample and its label folded into the row's bucket", async () => {
    const id = crypto.randomUUID();
    const ts = Date.now() - 2 * HOUR;
    const record = predictionRecord(id, { ts, output: 0.75, label: "1" });
    await env.DB.prepare(
      "INSERT INTO predictions (id, ts, request_id, model, version, route, inputs, output, label, latency_ms, status) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?, 1, 'ok')",
    )
      .bind(id, ts, record.request_id, record.model, record.version, record.route, 0.75, "1")
      .run();
    const response = await post(`/v1/predictions/${id}/feedback`, { actual: 0 });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { version: string }).version).toBe("v2_gbm");
    const labelled = await labelledAt({
      ts,
      model: "kredipusula",
      version: "v2_gbm",
      route: "default",
      output: 0.75,
      label: "1",
      probabilities: null,
      interval: null,
    });
    expect(labelled?.performance.n).toBeGreaterThanOrEqual(1);
    const unknown = await post(`/v1/predictions/${crypto.randomUUID()}/feedback`, { actual: 0 });
    expect(unknown.status).toBe(404);
  });
});

describe("the bounded recent sample", () => {
  it("sampleForLog keeps a deterministic fraction close to the rate", () => {
    const records = Array.from({ length: 20_000 }, (_, index) => predictionRecord(`sample-${index}`));
    expect(sampleForLog(records, new Map())).toHaveLength(20_000);
    expect(sampleForLog(records, new Map([["kredipusula", 1]]))).toHaveLength(20_000);
    const kept = sampleForLog(records, new Map([["kredipusula", 0.05]]));
    // binomial(20 000, 0.05): mean 1 000, σ ≈ 31
    expect(kept.length).toBeGreaterThan(1_000 - 4 * 31);
    expect(kept.length).toBeLessThan(1_000 + 4 * 31);
    expect(sampleForLog(records, new Map([["kredipusula", 0.05]]))).toEqual(kept);
    expect(kept.every((record) => idFraction(record.id) < 0.05)).toBe(true);
    expect(sampleForLog(records, new Map([["other", 0]]))).toHaveLength(20_000);
  });

  it("the rate holds a model at SAMPLE_ROWS_PER_HOUR rows an hour from its summaries, cached 60 s", async () => {
    resetLogSampleRates();
    const now = Date.now();
    const bucket = Math.floor(now / FINE_BUCKET_MS) * FINE_BUCKET_MS - FINE_BUCKET_MS;
    // 12 buckets × 40 000 rows = 480 000 rows in the last hour: 10M/day-scale traffic for "busy"
    const statements = Array.from({ length: 12 }, (_, index) =>
      env.DB.prepare(
        "INSERT INTO monitoring_summaries (id, model, version, route, bucket_start, bucket_ms, kind, revision, records, summary, created_at) VALUES (?, 'busy', 'v1', 'default', ?, ?, 'partial', 0, 40000, '{\"v\":1,\"n\":40000,\"errors\":0,\"requests\":40000,\"request_errors\":0}', ?)",
      ).bind(`busy-${index}`, bucket - index * FINE_BUCKET_MS, FINE_BUCKET_MS, now),
    );
    await env.DB.batch(statements);
    const rates = await logSampleRates(env.DB, ["busy", "quiet"], now);
    expect(rates.get("busy")).toBeCloseTo(SAMPLE_ROWS_PER_HOUR / 480_000, 12);
    expect(rates.get("quiet")).toBe(1);
    const busy = Array.from({ length: 480_000 / 12 }, (_, index) =>
      predictionRecord(`busy-row-${index}`, { model: "busy" }),
    );
    // one bucket's worth of rows keeps about SAMPLE_ROWS_PER_HOUR / 12
    const kept = sampleForLog(busy, rates).length;
    expect(kept).toBeGreaterThan(SAMPLE_ROWS_PER_HOUR / 12 - 4 * 9);
    expect(kept).toBeLessThan(SAMPLE_ROWS_PER_HOUR / 12 + 4 * 9);
    // cached: a new summary row is not read again within RATE_CACHE_MS
    await env.DB.prepare("DELETE FROM monitoring_summaries WHERE model = 'busy'").run();
    expect((await logSampleRates(env.DB, ["busy"], now + RATE_CACHE_MS - 1)).get("busy")).toBeLessThan(1);
    expect((await logSampleRates(env.DB, ["busy"], now + RATE_CACHE_MS)).get("busy")).toBe(1);
  });

  it("through the real queue, a busy model keeps exactly the ids its rate selects", async () => {
    resetLogSampleRates();
    const now = Date.now();
    const bucket = Math.floor(now / FINE_BUCKET_MS) * FINE_BUCKET_MS - FINE_BUCKET_MS;
    // 20 000 rows in the last hour → rate 1 000 / 20 000 = 0.05
    await env.DB.batch(
      Array.from({ length: 12 }, (_, index) =>
        env.DB.prepare(
          "INSERT INTO monitoring_summaries (id, model, version, route, bucket_start, bucket_ms, kind, revision, records, summary, created_at) VALUES (?, 'german_credit', 'v1_logreg', 'default', ?, ?, 'partial', 0, ?, '{\"v\":1,\"n\":0,\"errors\":0,\"requests\":0,\"request_errors\":0}', ?)",
        ).bind(`german-busy-${index}`, bucket - index * FINE_BUCKET_MS, FINE_BUCKET_MS, 20_000 / 12, now),
      ),
    );
    const inputs = shippedVersion("german_credit", "v1_logreg").manifest.examples?.[0]?.inputs ?? {};
    const response = await post("/v1/models/german_credit/predict", {
      instances: Array.from({ length: 200 }, () => inputs),
    });
    expect(response.status).toBe(200);
    const ids = ((await response.json()) as { predictions: { id: string }[] }).predictions.map((p) => p.id);
    // the consumer has folded the batch once the summaries count it
    const deadline = Date.now() + 30_000;
    let folded = 0;
    while (folded < 200 && Date.now() < deadline) {
      const row = await env.DB.prepare(
        "SELECT SUM(records) AS n FROM monitoring_summaries WHERE model = 'german_credit' AND bucket_start > ?",
      )
        .bind(bucket)
        .first<{ n: number | null }>();
      folded = row?.n ?? 0;
      if (folded < 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(folded).toBe(200);
    const selected = ids.filter((id) => idFraction(id) < 0.05);
    const stored = await env.DB.prepare("SELECT id FROM predictions WHERE model = 'german_credit'").all<{
      id: string;
    }>();
    expect(stored.results.map((row) => row.id).sort()).toEqual([...selected].sort());
    expect(selected.length).toBeLessThan(40);
  });

  it("through the real queue, a quiet model keeps every row", async () => {
    resetLogSampleRates();
    const response = await post("/v1/models/kredipusula/predict", {
      instances: Array.from({ length: 20 }, (_, index) => ({
        income: 40000 + index,
        age: 35,
        credit_history: "good",
        loan_amount: 10000,
        employment_years: 5,
      })),
    });
    const ids = ((await response.json()) as { predictions: { id: string }[] }).predictions.map((p) => p.id);
    expect(await waitForLogged(ids)).toBe(20);
  });
});
