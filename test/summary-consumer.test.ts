import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../worker/index.ts";
import { runScheduledJobs } from "../worker/jobs/scheduled.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { readSummaries } from "../worker/monitoring/store/summary-store.ts";
import { mergeAll } from "../worker/monitoring/summary/merge.ts";
import { predictionRecord, replayRows } from "./support/monitoring-helpers.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

const QUEUE = "edge-inference-prediction-log";
const NOW = Date.now();

/** Kredipusula replay rows as packed queue messages of `perMessage` records. */
function messages(prefix: string, count: number, perMessage: number) {
  const { rows } = replayRows("kredipusula", "201");
  const records: PredictionRecord[] = Array.from({ length: count }, (_, i) =>
    predictionRecord(`${prefix}-${i}`, {
      ts: NOW - 20 * 60_000 + i * 1_000,
      inputs: rows[i % rows.length] ?? {},
      output: (i % 10) / 10,
      latency_ms: 2 + (i % 7),
    }),
  );
  const out = [];
  for (let start = 0; start < count; start += perMessage) {
    out.push({
      id: `${prefix}-m${start / perMessage}`,
      timestamp: new Date(),
      attempts: 1,
      body: records.slice(start, start + perMessage),
    });
  }
  return out;
}

async function deliver(batch: ReturnType<typeof messages>, queue = QUEUE) {
  const messageBatch = createMessageBatch<PredictionRecord[]>(queue, batch);
  const ctx = createExecutionContext();
  await worker.queue(messageBatch as MessageBatch<unknown>, env);
  return getQueueResult(messageBatch, ctx);
}

const summaryTotal = async () =>
  mergeAll(
    (await readSummaries(env.DB, "kredipusula", NOW - 3_600_000, NOW + 3_600_000)).map((e) => e.summary),
  );

const count = async (sql: string) => (await env.DB.prepare(sql).first<{ n: number }>())?.n ?? 0;

async function lakeObjects(): Promise<number> {
  const listed = await env.LOGS.list({ prefix: "predictions/model=kredipusula/" });
  return listed.objects.length;
}

beforeAll(async () => {
  await seedShippedModels(env, ["kredipusula"]);
});

beforeEach(async () => {
  await env.DB.exec(
    "DELETE FROM monitoring_summaries; DELETE FROM ingested_messages; DELETE FROM predictions;",
  );
  const listed = await env.LOGS.list();
  for (const object of listed.objects) await env.LOGS.delete(object.key);
});

describe("queue consumer → summaries", () => {
  it("folds a batch once: a redelivered batch or message changes no count and no lake object", async () => {
    const batch = messages("c", 200, 25);
    const first = await deliver(batch);
    expect(first.explicitAcks).toHaveLength(8);
    expect(first.retryMessages).toHaveLength(0);
    const total = await summaryTotal();
    expect(total?.n).toBe(200);
    expect(total?.features?.income?.n).toBe(200);
    expect(await count("SELECT count(*) AS n FROM predictions")).toBe(200);
    expect(await count("SELECT count(*) AS n FROM ingested_messages")).toBe(8);
    const objects = await lakeObjects();
    expect(objects).toBeGreaterThan(0);

    // the whole batch again, then one message inside a new batch
    expect((await deliver(batch)).explicitAcks).toHaveLength(8);
    const extra = messages("d", 10, 10);
    expect((await deliver([batch[3] as (typeof batch)[number], ...extra])).explicitAcks).toHaveLength(2);
    const after = await summaryTotal();
    expect(after?.n).toBe(210);
    expect(after?.requests).toBe(210);
    expect(await count("SELECT count(*) AS n FROM predictions")).toBe(210);
    expect(await lakeObjects()).toBe(objects + 1);
  });

  it("writes nothing while D1 fails, retries every message, and counts each once after recovery", async () => {
    const batch = messages("o", 60, 20);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    await env.DB.exec("ALTER TABLE monitoring_summaries RENAME TO monitoring_summaries_offline");
    let failed: Awaited<ReturnType<typeof deliver>>;
    try {
      failed = await deliver(batch);
    } finally {
      await env.DB.exec("ALTER TABLE monitoring_summaries_offline RENAME TO monitoring_summaries");
      errors.mockRestore();
    }
    expect(failed.retryMessages).toHaveLength(3);
    expect(failed.explicitAcks).toHaveLength(0);
    // one transaction: no dedupe key and no raw row without their summaries
    expect(await count("SELECT count(*) AS n FROM ingested_messages")).toBe(0);
    expect(await count("SELECT count(*) AS n FROM predictions")).toBe(0);
    expect(await lakeObjects()).toBe(0);
    const redelivered = batch.map((message) => ({ ...message, attempts: 2 }));
    expect((await deliver(redelivered)).explicitAcks).toHaveLength(3);
    expect((await deliver(redelivered)).explicitAcks).toHaveLength(3);
    expect((await summaryTotal())?.n).toBe(60);
  });

  it("the cron compacts what the consumer appended, leaving every total unchanged", async () => {
    for (const prefix of ["k1", "k2", "k3"]) await deliver(messages(prefix, 40, 20));
    const before = await summaryTotal();
    expect(
      await count("SELECT count(*) AS n FROM monitoring_summaries WHERE kind = 'partial'"),
    ).toBeGreaterThan(2);
    const result = await runScheduledJobs(env, NOW, async () => new Response(null, { status: 204 }));
    expect(result.compacted?.rows).toBeGreaterThan(2);
    expect(await count("SELECT count(*) AS n FROM monitoring_summaries WHERE kind = 'partial'")).toBe(0);
    expect(await summaryTotal()).toEqual(before);
  });
});
