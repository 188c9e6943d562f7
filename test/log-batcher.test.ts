import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { SPILL_PREFIX } from "../worker/monitoring/lake/lake-keys.ts";
import { gunzipNdjson } from "../worker/monitoring/lake/ndjson-gzip.ts";
import { FLUSH_AT_RECORDS } from "../worker/monitoring/log-batcher.ts";
import { type LogFallback, logPredictions } from "../worker/monitoring/prediction-log.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { predictionRecord as record } from "./support/monitoring-helpers.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

/** The isolate-level micro-batching of prediction records (worker/monitoring/log-batcher.ts). */

/** A queue binding that records each sendBatch (or refuses every one). */
function fakeQueue(refuse = false) {
  const calls: PredictionRecord[][][] = [];
  const queue = {
    send: async () => {},
    sendBatch: async (messages: Iterable<MessageSendRequest<PredictionRecord[]>>) => {
      if (refuse) throw new Error("queue unavailable");
      calls.push([...messages].map((message) => message.body));
    },
  } as unknown as Queue;
  return { queue, calls };
}

/** The producer's fallback stores: D1 (summaries + sample through ingestRecords) and the LOGS bucket. */
const fallback: LogFallback = { env, readManifest };

/** The records of every spill object, with the object's key. */
async function spilled(): Promise<{ key: string; records: PredictionRecord[] }[]> {
  const listed = await env.LOGS.list({ prefix: SPILL_PREFIX });
  const objects = [];
  for (const { key } of listed.objects) {
    const object = await env.LOGS.get(key);
    if (object) objects.push({ key, records: (await gunzipNdjson(object.body)) as PredictionRecord[] });
  }
  return objects;
}

const summaryRecords = async () =>
  (
    await env.DB.prepare("SELECT coalesce(sum(records), 0) AS n FROM monitoring_summaries").first<{
      n: number;
    }>()
  )?.n ?? 0;

beforeAll(async () => {
  await seedShippedModels(env);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const count = async (prefix: string) =>
  (
    await env.DB.prepare("SELECT count(*) AS n FROM predictions WHERE id LIKE ?")
      .bind(`${prefix}%`)
      .first<{ n: number }>()
  )?.n ?? 0;

describe("prediction log micro-batching", () => {
  it("sends the records of concurrent requests in one sendBatch, held by the request that opened it", async () => {
    const { queue, calls } = fakeQueue();
    const held: Promise<unknown>[][] = [];
    for (let i = 0; i < 10; i++) {
      const mine: Promise<unknown>[] = [];
      held.push(mine);
      logPredictions(queue, (promise) => mine.push(promise), [record(`b-${i}`)], fallback);
    }
    expect(calls).toHaveLength(0); // not yet: the batch waits a few ms for more
    // Only the opener waits (on its own timer and send): no request awaits another one's I/O.
    expect(held.map((mine) => mine.length)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    await Promise.all(held[0] ?? []);
    expect(calls).toHaveLength(1);
    expect(calls.flat(2).map((item) => item.id)).toEqual(Array.from({ length: 10 }, (_, i) => `b-${i}`));
  });

  it("sends at once when the batch is full, and a large request's records on their own", async () => {
    const { queue, calls } = fakeQueue();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < FLUSH_AT_RECORDS; i++) {
      logPredictions(queue, (promise) => pending.push(promise), [record(`f-${i}`)], fallback);
    }
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    const big = Array.from({ length: FLUSH_AT_RECORDS }, (_, i) => record(`g-${i}`));
    logPredictions(queue, (promise) => pending.push(promise), big, fallback);
    await Promise.all(pending);
    expect(calls.flat(2)).toHaveLength(2 * FLUSH_AT_RECORDS);
  });

  it("a refused batch falls back to D1 (summaries and sample) and the lake: every request's records land", async () => {
    const { queue } = fakeQueue(true);
    const before = await summaryRecords();
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      logPredictions(queue, (promise) => pending.push(promise), [record(`refused-${i}`)], fallback);
    }
    await Promise.all(pending);
    expect(await count("refused-")).toBe(12);
    expect((await summaryRecords()) - before).toBe(12);
    const lake = await env.LOGS.list({ prefix: "predictions/model=kredipusula/" });
    expect(lake.objects.some((object) => /\/producer-[0-9a-f]{32}\.ndjson\.gz$/.test(object.key))).toBe(true);
  });

  it("queue and D1 both refusing: the records are spilled whole to R2, and no log line carries a payload", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => {
      lines.push(String(line));
    });
    const { queue } = fakeQueue(true);
    const before = await summaryRecords();
    const ids = Array.from({ length: 5 }, (_, i) => `spilled-${i}`);
    const pending: Promise<unknown>[] = [];
    // D1 really failing: the summaries table is renamed away, so ingestRecords' transaction fails.
    await env.DB.exec("ALTER TABLE monitoring_summaries RENAME TO monitoring_summaries_offline");
    try {
      for (const id of ids) logPredictions(queue, (promise) => pending.push(promise), [record(id)], fallback);
      await Promise.all(pending);
    } finally {
      await env.DB.exec("ALTER TABLE monitoring_summaries_offline RENAME TO monitoring_summaries");
    }
    expect(await summaryRecords()).toBe(before);
    const mine = (await spilled()).filter((object) => object.records.some((item) => ids.includes(item.id)));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.records).toEqual(
      ids.map((id) => expect.objectContaining({ id, inputs: record(id).inputs })),
    );
    const events = lines.map((line) => JSON.parse(line) as { event: string });
    expect(events.map((line) => line.event)).toEqual(
      expect.arrayContaining([
        "prediction_log_enqueue_failed",
        "prediction_log_ingest_failed",
        "prediction_log_spilled",
      ]),
    );
    expect(events.map((line) => line.event)).not.toContain("prediction_log_lost");
    for (const line of lines) {
      expect(line).not.toContain("credit_history");
      expect(line).not.toContain("spilled-");
    }
    await env.LOGS.delete(mine.map((object) => object.key));
  });

  it("a record too large for a queue message is spilled on its own; its neighbours are sent", async () => {
    const { queue, calls } = fakeQueue();
    const huge = record("too-big", { inputs: { income: 1, note: "x".repeat(200_000) } });
    const pending: Promise<unknown>[] = [];
    logPredictions(
      queue,
      (promise) => pending.push(promise),
      [record("small-1"), huge, record("small-2")],
      fallback,
    );
    await Promise.all(pending);
    expect(calls.flat(2).map((item) => item.id)).toEqual(["small-1", "small-2"]);
    const mine = (await spilled()).filter((object) => object.records.some((item) => item.id === "too-big"));
    expect(mine.map((object) => object.records)).toEqual([[huge]]);
    await env.LOGS.delete(mine.map((object) => object.key));
  });
});
