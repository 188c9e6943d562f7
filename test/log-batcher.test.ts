import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { FLUSH_AT_RECORDS } from "../worker/monitoring/log-batcher.ts";
import { logPredictions } from "../worker/monitoring/prediction-log.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { predictionRecord as record } from "./support/monitoring-helpers.ts";

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
      logPredictions(queue, (promise) => mine.push(promise), [record(`b-${i}`)], env.DB);
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
      logPredictions(queue, (promise) => pending.push(promise), [record(`f-${i}`)], env.DB);
    }
    await Promise.resolve();
    expect(calls).toHaveLength(1);
    const big = Array.from({ length: FLUSH_AT_RECORDS }, (_, i) => record(`g-${i}`));
    logPredictions(queue, (promise) => pending.push(promise), big, env.DB);
    await Promise.all(pending);
    expect(calls.flat(2)).toHaveLength(2 * FLUSH_AT_RECORDS);
  });

  it("a refused batch falls back to D1: every request's records land", async () => {
    const { queue } = fakeQueue(true);
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      logPredictions(queue, (promise) => pending.push(promise), [record(`refused-${i}`)], env.DB);
    }
    await Promise.all(pending);
    expect(await count("refused-")).toBe(12);
  });
});
