import {
  createExecutionContext,
  createMessageBatch,
  env,
  getQueueResult,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { insertPredictionRecords } from "../worker/db/prediction-log-writer.ts";
import worker from "../worker/index.ts";
import { retryDelaySeconds } from "../worker/jobs/prediction-log-consumer.ts";
import { runScheduledJobs } from "../worker/jobs/scheduled.ts";
import { logPredictions } from "../worker/monitoring/prediction-log.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { postJson, replayRows, runCron, waitForLogged } from "./support/monitoring-helpers.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

const get = (path: string) => SELF.fetch(`https://edge.test${path}`);
const count = async (sql: string, ...params: unknown[]) =>
  (
    await env.DB.prepare(sql)
      .bind(...params)
      .first<{ n: number }>()
  )?.n ?? 0;

function record(id: string, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    ts: Date.now(),
    request_id: `req-${id}`,
    model: "kredipusula",
    version: "v2_gbm",
    route: "default",
    subject_hash: null,
    inputs: { income: 50000, age: 35, credit_history: "good", loan_amount: 10000, employment_years: 5 },
    output: 0.7,
    label: "1",
    interval: null,
    latency_ms: 3,
    colo: null,
    country: null,
    key_id: null,
    status: "ok",
    error: null,
    ...overrides,
  };
}

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

  it("falls back to a direct D1 write when the queue refuses the message", async () => {
    const big = record("oversized-1", { inputs: { blob: "x".repeat(200_000) } });
    const pending: Promise<unknown>[] = [];
    logPredictions(
      env.PREDICTION_LOG,
      (promise) => pending.push(promise),
      [big, record("oversized-2")],
      env.DB,
    );
    await Promise.all(pending);
    expect(await count("SELECT count(*) AS n FROM predictions WHERE id LIKE 'oversized-%'")).toBe(2);
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
    expect(bad.status).toBe(422);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    expect(((await bad.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("actual");
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
    expect(await count("SELECT count(*) AS n FROM feedback WHERE prediction_id = ?", ids[2])).toBe(0);

    const good = await postJson("/v1/predictions/feedback", {
      feedback: [
        { prediction_id: ids[2], actual: 1 },
        { prediction_id: ids[3], actual: 0 },
        { prediction_id: ids[0], actual: 0 },
      ],
    });
    expect(good.status).toBe(200);
    expect(((await good.json()) as { recorded: number }).recorded).toBe(3);
    const replaced = await env.DB.prepare("SELECT actual FROM feedback WHERE prediction_id = ?")
      .bind(ids[0])
      .first<{ actual: number }>();
    expect(replaced?.actual).toBe(0);
    const regression = await postJson("/v1/predictions/feedback", {
      feedback: [{ prediction_id: "r1", actual: 7, model: "recommender" }],
    });
    expect(regression.status).toBe(422);
    expect(JSON.stringify(await regression.json())).toContain("between 1 and 5");
  });
});
