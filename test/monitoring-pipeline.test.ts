import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../worker/index.ts";
import {
  isDeadLetterQueue,
  isFinalAttempt,
  MAX_RETRIES,
  retryDelaySeconds,
} from "../worker/jobs/prediction-log-consumer.ts";
import { runScheduledJobs } from "../worker/jobs/scheduled.ts";
import { redriveSpill } from "../worker/monitoring/lake/spill-redrive.ts";
import { logPredictions } from "../worker/monitoring/prediction-log.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { feedbackKey } from "../worker/monitoring/store/feedback-store.ts";
import { insertPredictionRecords } from "../worker/monitoring/store/prediction-log-writer.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import {
  predictionRecord as record,
  replayRows,
  runCron,
  waitForLogged,
} from "./support/monitoring-helpers.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

const { get, post: postJson } = workerClient("https://edge.test");
const count = async (sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n ?? 0;

async function offline<T>(run: () => Promise<T>): Promise<T> {
  await env.DB.exec("ALTER TABLE predictions RENAME TO predictions_offline");
  try {
    return await run();
  } finally {
    await env.DB.exec("ALTER TABLE predictions_offline RENAME TO predictions");
  }
}

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("prediction logging", () => {
  it("logs every prediction under concurrency: rows = predictions, no duplicates", async () => {
    const { rows } = replayRows("kredipusula", "201");
    const singles = await Promise.all(rows.slice(0, 60).map((row) => postJson("/api/v1/predict", row)));
    const batch = await postJson("/v1/models/kredipusula/predict", { instances: rows.slice(60, 260) });
    expect(singles.every((response) => response.status === 200)).toBe(true);
    expect(batch.status).toBe(200);
    const ids = [
      ...singles.map((response) => response.headers.get("x-prediction-id") ?? ""),
      ...((await batch.json()) as { predictions: { id: string }[] }).predictions.map((p) => p.id),
    ];
    expect(new Set(ids).size).toBe(260);
    expect(await waitForLogged(ids)).toBe(260);
    const sample = await env.DB.prepare("SELECT * FROM predictions WHERE id = ?")
      .bind(ids[0])
      .first<Record<string, unknown>>();
    expect(sample).toMatchObject({ model: "kredipusula", version: "v2_gbm", route: "default", status: "ok" });
    expect(JSON.parse(String(sample?.inputs))).toMatchObject({ credit_history: expect.any(String) });
  });

  it("retries a batch while D1 fails and loses nothing when it recovers (idempotent redelivery)", async () => {
    const records = Array.from({ length: 30 }, (_, i) => record(`d1-outage-${i}`));
    const messages = records.map((body, i) => ({ id: `m${i}`, timestamp: new Date(), attempts: 1, body }));
    const failing = createMessageBatch<PredictionRecord>("edge-inference-prediction-log", messages);
    const ctx1 = createExecutionContext();
    await offline(async () => {
      await worker.queue(failing, env);
    });
    const failed = await getQueueResult(failing, ctx1);
    expect(failed.explicitAcks).toHaveLength(0);
    expect(failed.retryMessages).toHaveLength(30);
    // getQueueResult does not report delays: the policy itself is checked below
    expect([1, 2, 5, 9, 10].map((attempts) => retryDelaySeconds(attempts, false))).toEqual([
      2, 4, 32, 300, 300,
    ]);
    expect(await count("SELECT count(*) AS n FROM predictions WHERE id LIKE 'd1-outage-%'")).toBe(0);

    for (const attempt of [2, 3]) {
      const redelivered = createMessageBatch<PredictionRecord>(
        "edge-inference-prediction-log",
        messages.map((m) => ({ ...m, attempts: attempt })),
      );
      const ctx = createExecutionContext();
      await worker.queue(redelivered, env);
      const result = await getQueueResult(redelivered, ctx);
      expect(result.retryMessages).toHaveLength(0);
      expect(result.explicitAcks).toHaveLength(30);
    }
    expect(await count("SELECT count(*) AS n FROM predictions WHERE id LIKE 'd1-outage-%'")).toBe(30);
  });

  it("the dead-letter queue is drained by the same consumer with a slow retry", async () => {
    const dlq = createMessageBatch("edge-inference-prediction-log-dlq", [
      { id: "x", timestamp: new Date(), attempts: 1, body: record("dlq-1") },
      { id: "y", timestamp: new Date(), attempts: 1, body: { not: "a record" } },
    ]) as MessageBatch<PredictionRecord>;
    const ctx = createExecutionContext();
    await offline(() => worker.queue(dlq, env));
    const result = await getQueueResult(dlq, ctx);
    expect(result.retryMessages).toEqual([{ msgId: "x" }]);
    expect(retryDelaySeconds(1, true)).toBe(900);
    expect(result.explicitAcks).toEqual(["y"]);
  });

  it("recognises staging's dead-letter queue and spills a message to R2 on its final delivery only", async () => {
    expect(isDeadLetterQueue("edge-inference-prediction-log-dlq-staging")).toBe(true);
    expect(isDeadLetterQueue("edge-inference-prediction-log-dlq")).toBe(true);
    expect(isDeadLetterQueue("edge-inference-prediction-log-staging")).toBe(false);
    expect(isDeadLetterQueue("edge-inference-prediction-log")).toBe(false);
    // max_retries = N: N + 1 deliveries, attempts 1 … N + 1
    expect(isFinalAttempt(MAX_RETRIES.dlq, MAX_RETRIES.dlq)).toBe(false);
    expect(isFinalAttempt(MAX_RETRIES.dlq + 1, MAX_RETRIES.dlq)).toBe(true);

    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const batch = createMessageBatch("edge-inference-prediction-log-dlq-staging", [
        { id: "last", timestamp: new Date(), attempts: MAX_RETRIES.dlq + 1, body: [record("dlq-last")] },
        { id: "early", timestamp: new Date(), attempts: MAX_RETRIES.dlq, body: [record("dlq-early")] },
      ]) as MessageBatch<PredictionRecord>;
      const ctx = createExecutionContext();
      await offline(() => worker.queue(batch, env));
      const result = await getQueueResult(batch, ctx);
      expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(["early"]);
      expect(result.explicitAcks).toEqual(["last"]);
      const lines = errors.mock.calls.map(([line]) => String(line));
      // counts and keys only: no record body in any log line
      expect(lines.some((line) => line.includes("credit_history"))).toBe(false);
      const spilled = lines
        .map((line) => JSON.parse(line) as { event: string; id?: string; key?: string; records?: number })
        .filter((entry) => entry.event === "prediction_log_spilled");
      expect(spilled.map(({ id, records }) => ({ id, records }))).toEqual([{ id: "last", records: 1 }]);
      // the spill object holds the record; the cron re-drives it (test/lake.test.ts): removed here
      const key = spilled[0]?.key ?? "";
      expect(await env.LOGS.head(key)).not.toBeNull();
      await env.LOGS.delete(key);
    } finally {
      errors.mockRestore();
    }
  });

  it("predictions succeed while D1 is down, and their rows land after it recovers", async () => {
    const { rows } = replayRows("kredipusula", "201");
    const ids = await offline(async () => {
      const responses = await Promise.all(
        rows.slice(260, 280).map((row) => postJson("/api/v1/predict", row)),
      );
      expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
      // let the consumer try (and fail) at least once before D1 comes back
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      return responses.map((response) => response.headers.get("x-prediction-id") ?? "");
    });
    expect(await waitForLogged(ids, 40_000)).toBe(20);
  });

  it("spills a record too large for a queue message; its neighbour goes through the queue, the cron re-drives it", async () => {
    const big = record("oversized-1", { inputs: { blob: "x".repeat(200_000) } });
    const pending: Promise<unknown>[] = [];
    logPredictions(env.PREDICTION_LOG, (promise) => pending.push(promise), [big, record("oversized-2")], {
      env,
      readManifest,
    });
    await Promise.all(pending);
    expect(await waitForLogged(["oversized-2"])).toBe(1);
    expect(await redriveSpill(env, 100, readManifest)).toMatchObject({ records: 1 });
    expect(await count("SELECT count(*) AS n FROM predictions WHERE id LIKE 'oversized-%'")).toBe(2);
    // D1 keeps a bounded row (worker/monitoring/lake/d1-record-fit.ts); the lake keeps the whole record.
    const row = await env.DB.prepare("SELECT inputs FROM predictions WHERE id = 'oversized-1'").first<{
      inputs: string;
    }>();
    expect(Object.keys(JSON.parse(row?.inputs ?? "{}"))).toEqual(["__omitted_bytes__"]);
  });
});

describe("feedback", () => {
  let ids: string[] = [];
  beforeAll(async () => {
    const { rows } = replayRows("kredipusula", "202");
    const response = await postJson("/v1/models/kredipusula/predict", { instances: rows.slice(0, 5) });
    ids = ((await response.json()) as { predictions: { id: string }[] }).predictions.map((p) => p.id);
    await waitForLogged(ids);
  });

  it("records single feedback, validated against the model's task", async () => {
    const ok = await postJson(`/v1/predictions/${ids[0]}/feedback`, { actual: 1 });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      prediction_id: ids[0],
      model: "kredipusula",
      version: "v2_gbm",
      actual: 1,
    });
    expect((await postJson(`/v1/predictions/${ids[1]}/feedback`, { actual: false })).status).toBe(200);
    const bad = await postJson(`/v1/predictions/${ids[2]}/feedback`, { actual: 0.4 });
    expect((await expectProblemJson<{ errors: { field: string }[] }>(bad, 422)).errors[0]?.field).toBe(
      "actual",
    );
    const unknown = await postJson("/v1/predictions/no-such-id/feedback", { actual: 1 });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("retry-after")).toBe("5");
    const early = await postJson("/v1/predictions/not-logged-yet/feedback", {
      actual: 1,
      model: "kredipusula",
    });
    expect(early.status).toBe(200);
  });

  it("validates a batch all-or-nothing, naming every bad item; a later value replaces an earlier one", async () => {
    const bad = await postJson("/v1/predictions/feedback", {
      feedback: [
        { prediction_id: ids[2], actual: 1 },
        { prediction_id: ids[3], actual: "maybe" },
        { prediction_id: "nope", actual: 0 },
      ],
    });
    expect(bad.status).toBe(422);
    const body = (await bad.json()) as { errors: { field: string }[] };
    expect(body.errors.map((error) => error.field)).toEqual([
      "feedback[1].actual",
      "feedback[2].prediction_id",
    ]);
    expect(
      await count(
        "SELECT count(*) AS n FROM feedback WHERE prediction_id = ?",
        feedbackKey(ids[2] as string),
      ),
    ).toBe(0);

    const good = await postJson("/v1/predictions/feedback", {
      feedback: [
        { prediction_id: ids[2], actual: 1 },
        { prediction_id: ids[3], actual: 0 },
        { prediction_id: ids[0], actual: 0 },
      ],
    });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { recorded: number }).recorded).toBe(3);
    // a sealed id is stored under its feedback key (worker/monitoring/store/feedback-store.ts)
    const replaced = await env.DB.prepare("SELECT actual FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(ids[0] as string))
      .first<{ actual: number }>();
    expect(replaced?.actual).toBe(0);
    const regression = await postJson("/v1/predictions/feedback", {
      feedback: [{ prediction_id: "r1", actual: 7, model: "recommender" }],
    });
    expect(regression.status).toBe(422);
    expect(JSON.stringify(await regression.json())).toContain("between 1 and 5");
  });
});

describe("cron health reports and the read side", () => {
  const T = Date.now() + 60_000;
  const predicted: number[] = [];
  const actual: number[] = [];
  let reportKey = "";

  beforeAll(async () => {
    const { rows, actuals } = replayRows("recommender", "101");
    const response = await postJson("/v1/models/recommender/predict", { instances: rows });
    const body = (await response.json()) as { predictions: { id: string; value: number }[] };
    const ids = body.predictions.map((p) => p.id);
    await waitForLogged(ids);
    const labelled = body.predictions.slice(0, 400);
    const feedback = await postJson("/v1/predictions/feedback", {
      feedback: labelled.map((p, i) => ({ prediction_id: p.id, actual: actuals[i] })),
    });
    expect(feedback.status).toBe(200);
    for (const [i, p] of labelled.entries()) {
      predicted.push(p.value);
      actual.push(actuals[i] as number);
    }
    await runCron(T);
  });

  it("writes a report whose metrics equal an independent computation", async () => {
    const row = await env.DB.prepare(
      "SELECT * FROM health_reports WHERE model = 'recommender' AND window_end = ?",
    )
      .bind(T)
      .first<{ id: string; report: string; status: string; r2_key: string }>();
    expect(row).not.toBeNull();
    const report = JSON.parse(row?.report ?? "{}");
    reportKey = row?.r2_key ?? "";
    const n = predicted.length;
    const errors = predicted.map((p, i) => p - (actual[i] as number));
    const mse = errors.reduce((s, e) => s + e * e, 0) / n;
    const mean = actual.reduce((s, a) => s + a, 0) / n;
    const r2 = 1 - errors.reduce((s, e) => s + e * e, 0) / actual.reduce((s, a) => s + (a - mean) ** 2, 0);
    const perf = report.performance.default;
    expect(perf.n).toBe(400);
    expect(perf.mae).toBeCloseTo(errors.reduce((s, e) => s + Math.abs(e), 0) / n, 9);
    expect(perf.mse).toBeCloseTo(mse, 9);
    expect(perf.rmse).toBeCloseTo(Math.sqrt(mse), 9);
    expect(perf.r2).toBeCloseTo(r2, 9);
    // one batch request of 500 instances: ops count requests, rows apart
    expect(report.ops.total).toMatchObject({ requests: 1, errors: 0, error_rate: 0, rows: 500 });
    expect(report.ops.by_version[report.default_version]).toMatchObject({ requests: 1, rows: 500 });
    // built from the window's summaries: every row counted, none sampled
    expect(report.rows).toMatchObject({ total: 500, analyzed: 500, sampled: false, source: "summaries" });
    expect(report.schema_version).toBe(2);
    expect(report.window.hours).toBe(24);
    const healthy = Math.sqrt(mse) < 1 && r2 > 0.6;
    expect(
      report.reasons.some((r: { code: string }) => r.code === "rmse_above_max" || r.code === "r2_below_min"),
    ).toBe(!healthy);
    expect(Object.keys(report.drift.features).sort()).toEqual(
      ["item_category", "item_id", "item_price", "user_age", "user_gender", "user_id"].sort(),
    );
    const stored = await env.ARTIFACTS.get(reportKey);
    expect(JSON.parse((await stored?.text()) ?? "{}").id).toBe(row?.id);
  });

  it("is idempotent: rerunning the same scheduled time rewrites the same report", async () => {
    const before = await env.DB.prepare("SELECT report FROM health_reports WHERE window_end = ? ORDER BY id")
      .bind(T)
      .all<{ report: string }>();
    await runCron(T);
    const after = await env.DB.prepare("SELECT report FROM health_reports WHERE window_end = ? ORDER BY id")
      .bind(T)
      .all<{ report: string }>();
    expect(after.results.length).toBe(before.results.length);
    const strip = (r: string) => ({ ...JSON.parse(r), generated_at: null });
    expect(after.results.map((r) => strip(r.report))).toEqual(before.results.map((r) => strip(r.report)));
  });

  it("serves /v1/models/{model}/health, /reports, /reports/{id}, /traffic, /model_health and /api/v1/health", async () => {
    const health = (await (await get("/v1/models/recommender/health")).json()) as Record<string, unknown>;
    // volume = the report's requests (one batch request of 500 rows)
    expect(health).toMatchObject({ model: "recommender", report_id: `recommender:${T}`, volume: 1 });
    const list = (await (await get("/v1/models/recommender/reports?limit=5")).json()) as {
      reports: { id: string }[];
    };
    expect(list.reports[0]?.id).toBe(`recommender:${T}`);
    const full = await get(`/v1/models/recommender/reports/${encodeURIComponent(`recommender:${T}`)}`);
    expect(((await full.json()) as { r2_key: string }).r2_key).toBe(reportKey);
    expect((await get("/v1/models/recommender/reports/nope")).status).toBe(404);
    const traffic = (await (await get("/v1/models/recommender/traffic?hours=1&bucket_minutes=5")).json()) as {
      buckets: { requests: number; rows: number }[];
    };
    // one batch request of 500 rows (traffic reads summaries: requests and rows apart)
    expect(traffic.buckets.reduce((s, b) => s + b.rows, 0)).toBe(500);
    expect(traffic.buckets.reduce((s, b) => s + b.requests, 0)).toBe(1);

    const seed = (await (await get("/model_health")).json()) as Record<string, unknown>;
    const report = JSON.parse(
      (
        await env.DB.prepare("SELECT report FROM health_reports WHERE id = ?")
          .bind(`recommender:${T}`)
          .first<{ report: string }>()
      )?.report ?? "{}",
    );
    expect(seed).toMatchObject({
      model: "recommender",
      version: report.default_version,
      window_hours: 24,
      source: "report",
      feedback_count: 400,
      rmse: report.performance.default.rmse,
      r2: report.performance.default.r2,
      thresholds: { rmse_max: 1, r2_min: 0.6 },
    });
    // healthy unless a one-sided 95 % bound excludes a bar (test/model-health-bounds.test.ts covers the rule)
    const rmseLower = (seed.rmse_bounds as { lower: number }).lower;
    const r2Upper = (seed.r2_bounds as { upper: number }).upper;
    expect(seed.healthy).toBe(!(rmseLower >= 1 || r2Upper <= 0.6));
    expect(seed.status).toBe(seed.healthy ? "healthy" : "unhealthy");

    const api = (await (await get("/api/v1/health")).json()) as { monitoring: Record<string, unknown> };
    expect(api.monitoring).toMatchObject({ model: "kredipusula", report_id: `kredipusula:${T}` });
    expect(typeof api.monitoring.volume).toBe("number");
  });

  it("rejects non-slug model names and oversized traffic and full-report answers with a 422", async () => {
    type Problem = { errors: { field: string }[] };
    const long = "m".repeat(600);
    for (const path of [
      `/v1/models/${long}/health`,
      `/v1/models/${long}/traffic`,
      "/v1/models/Bad%20Name/reports",
    ])
      await expectProblemJson(await get(path), 422);
    const feedback = await postJson("/v1/predictions/feedback", {
      feedback: [{ prediction_id: "x", actual: 3, model: long }],
    });
    expect((await expectProblemJson<Problem>(feedback, 422)).errors[0]?.field).toBe("feedback[0].model");

    const traffic = await get("/v1/models/recommender/traffic?hours=720&bucket_minutes=1");
    expect((await expectProblemJson<Problem>(traffic, 422)).errors[0]?.field).toBe("bucket_minutes");
    const coarse = await get("/v1/models/recommender/traffic?hours=720&bucket_minutes=30");
    expect((await expectProblemJson<Problem>(coarse, 422)).errors[0]?.field).toBe("bucket_minutes");
    expect((await get("/v1/models/recommender/traffic?hours=720&bucket_minutes=60")).status).toBe(200);
    const full = await get("/v1/models/recommender/reports?full=true&limit=500");
    expect((await expectProblemJson<Problem>(full, 422)).errors[0]?.field).toBe("limit");
    expect((await get("/v1/models/recommender/reports?full=true&limit=20")).status).toBe(200);
    expect((await get("/v1/models/recommender/reports?limit=500")).status).toBe(200);
  });

  it("alerts once on a status change, with the injected transport", async () => {
    const key = "model:recommender";
    const record = (await env.REGISTRY.get(key, "json")) as { thresholds: Record<string, number> };
    await env.REGISTRY.put(
      key,
      JSON.stringify({ ...record, thresholds: { ...record.thresholds, rmse_max: 0.01 } }),
    );
    const { invalidateRegistryCache } = await import("../worker/repository/registry-reader.ts");
    invalidateRegistryCache();
    const sent: { url: string; body: Record<string, unknown> }[] = [];
    const fetcher = async (url: string, init: RequestInit) => {
      sent.push({ url, body: JSON.parse(String(init.body)) });
      return new Response("ok");
    };
    const alertEnv = { ...env, ALERT_WEBHOOK_URL: "https://hooks.example/alert" };
    const first = await runScheduledJobs(alertEnv, T + 900_000, fetcher);
    await runScheduledJobs(alertEnv, T + 900_000, fetcher);
    const recommender = first.reports.find((r) => r.id.startsWith("recommender:"));
    expect(recommender?.status).toBe("unhealthy");
    const alerts = sent.filter((s) => s.body.model === "recommender");
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.url).toBe("https://hooks.example/alert");
    expect(alerts[0]?.body).toMatchObject({
      event: "model_health_changed",
      model: "recommender",
      status: "unhealthy",
      report_id: `recommender:${T + 900_000}`,
    });
    expect(String(alerts[0]?.body.text)).toContain("→ unhealthy");
    await env.REGISTRY.put(key, JSON.stringify(record));
    invalidateRegistryCache();
  });

  it("prunes logs and feedback past the retention, reports past theirs", async () => {
    const old = T - 40 * 86_400_000;
    await insertPredictionRecords(env.DB, [
      record("ancient-1", { ts: old }),
      record("ancient-2", { ts: old }),
    ]);
    await env.DB.prepare(
      "INSERT INTO feedback (prediction_id, model, actual, ts) VALUES ('ancient-1', 'kredipusula', 1, ?)",
    )
      .bind(old)
      .run();
    await runCron(T + 1_800_000);
    expect(await count("SELECT count(*) AS n FROM predictions WHERE id LIKE 'ancient-%'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM feedback WHERE prediction_id = 'ancient-1'")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM predictions WHERE model = 'recommender'")).toBe(500);
  });
});
