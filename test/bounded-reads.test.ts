import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  env,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../worker/http/app.ts";
import worker from "../worker/index.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { countingD1 } from "./support/counting-d1.ts";
import { expectProblemJson } from "./support/http.ts";
import { seedShippedModels, shippedDefaults } from "./support/shipped-models.ts";

/**
 * Issue 9, item 4: the monitoring reads (traffic, health, /model_health, the dashboard with its A/B arms, the
 * cron's report) read summaries, so the D1 rows a call reads (D1's own `meta.rows_read`, summed over its
 * statements) do not grow when the traffic grows tenfold over the same buckets.
 */
const MODEL = "recommender";
const SHADOW = "v5_additive";
const HOUR = 3_600_000;
/** Every unit's records fall in these buckets, so 10× the records means the same summary keys. */
const BUCKET_SLOTS = 12;
const UNITS = 10;
/** Records per queue batch at 1×. */
const SMALL = 300;

function records(unit: number, perUnit: number, end: number): PredictionRecord[] {
  const start = end - 24 * HOUR;
  return Array.from({ length: perUnit }, (_, j) => {
    const index = unit * perUnit + j;
    const shadow = j % 10 === 0;
    return {
      id: `bounded-${perUnit}-${index}`,
      // distinct timestamps (as real traffic has), inside the slot's 5-min bucket
      ts: start + (j % BUCKET_SLOTS) * 2 * HOUR + 60_000 + unit * 1000 + j,
      request_id: `req-${perUnit}-${index}`,
      model: MODEL,
      version: shadow ? SHADOW : (shippedDefaults[MODEL] as string),
      route: shadow ? "shadow" : "default",
      subject_hash: null,
      inputs: {
        user_id: 1 + (index % 100),
        item_id: 1 + (index % 50),
        user_age: 18 + (index % 50),
        user_gender: index % 2 ? "M" : "F",
        item_category: ["A", "B", "C"][index % 3] as string,
        item_price: 10 + (index % 80),
      },
      output: 2 + (index % 30) / 10,
      label: null,
      interval: null,
      latency_ms: 2 + (index % 7),
      colo: "FRA",
      country: null,
      key_id: null,
      status: index % 97 === 0 ? "error" : "ok",
      error: null,
    } satisfies PredictionRecord;
  });
}

/** Empties the monitoring tables, then logs UNITS queue batches of `perUnit` records through the real consumer. */
async function logDay(perUnit: number, end: number): Promise<void> {
  for (const table of ["monitoring_summaries", "ingested_messages", "predictions", "health_reports"])
    await env.DB.prepare(`DELETE FROM ${table}`).run();
  for (let unit = 0; unit < UNITS; unit += 1) {
    const body = records(unit, perUnit, end);
    const messages = [];
    for (let offset = 0; offset < body.length; offset += 64)
      messages.push({
        id: `bounded-${perUnit}-${unit}-${offset}`,
        timestamp: new Date(),
        attempts: 1,
        body: body.slice(offset, offset + 64),
      });
    const batch = createMessageBatch<PredictionRecord[]>("edge-inference-prediction-log", messages);
    const ctx = createExecutionContext();
    await worker.queue(batch as MessageBatch<unknown>, env);
    expect((await getQueueResult(batch, ctx)).retryMessages).toEqual([]);
  }
}

const READS = [
  `/v1/models/${MODEL}/traffic?hours=24&bucket_minutes=15`,
  `/v1/models/${MODEL}/traffic?hours=720&bucket_minutes=60`,
  `/v1/models/${MODEL}/health`,
  "/model_health",
  `/v1/models/${MODEL}/dashboard?range=24h`,
  `/v1/models/${MODEL}/dashboard?range=7d`,
] as const;

/** D1 rows read by each GET (and by the cron's report) over the logged day, with the answers. */
async function rowsReadPerCall(end: number) {
  const app = buildApp();
  const counted = countingD1(env.DB);
  const countedEnv = { ...env, DB: counted.db };
  const reads: Record<string, number> = {};
  const answers: Record<string, unknown> = {};
  const call = async (path: string) => {
    counted.reset();
    const ctx = createExecutionContext();
    const response = await app.request(`http://edge.test${path}`, {}, countedEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status, path).toBe(200);
    answers[path] = await response.json();
    reads[path] = counted.rowsRead();
  };
  for (const path of READS) await call(path);
  counted.reset();
  await worker.scheduled(createScheduledController({ scheduledTime: end, cron: "*/15 * * * *" }), countedEnv);
  reads.cron = counted.rowsRead();
  for (const path of [`/v1/models/${MODEL}/health`, "/model_health"]) await call(`${path}#after-cron`);
  return { reads, answers };
}

describe("bounded monitoring reads", () => {
  const end = Math.floor(Date.now() / 900_000) * 900_000;
  let small: Awaited<ReturnType<typeof rowsReadPerCall>>;
  let large: Awaited<ReturnType<typeof rowsReadPerCall>>;
  beforeAll(async () => {
    await seedShippedModels(env, [MODEL]);
    // 3,000 records already fill every bounded read of the recent sample (the cron's ≤ 2,000 rows for
    // baseline skill, the dashboard's 500), so what is left to grow would be the cost of the traffic
    await logDay(SMALL, end);
    small = await rowsReadPerCall(end);
    await logDay(SMALL * 10, end);
    large = await rowsReadPerCall(end);
    console.log(JSON.stringify({ rows_read: { "1x": small.reads, "10x": large.reads } }));
  });

  it("answers from every logged row: traffic counts all of them, shadow apart", () => {
    for (const [{ answers }, perUnit] of [
      [small, SMALL],
      [large, SMALL * 10],
    ] as const) {
      const traffic = answers[READS[0]] as { buckets: { rows: number; requests: number; route: string }[] };
      expect(traffic.buckets.reduce((sum, bucket) => sum + bucket.rows, 0)).toBe(UNITS * perUnit);
      expect(traffic.buckets.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(UNITS * perUnit);
      expect(traffic.buckets.filter((bucket) => bucket.route === "shadow").length).toBeGreaterThan(0);
      const dashboard = answers[READS[4]] as { rows: { total: number; sampled: boolean } };
      expect(dashboard.rows).toEqual({ total: UNITS * perUnit, analyzed: UNITS * perUnit, sampled: false });
    }
  });

  it("reads the same D1 rows per GET when the traffic grows tenfold over the same buckets", () => {
    for (const path of READS)
      for (const call of [path, `${path}#after-cron`].filter((name) => name in small.reads))
        expect(
          large.reads[call],
          `${call} read ${large.reads[call]} rows at 10× vs ${small.reads[call]} at 1×`,
        ).toBeLessThanOrEqual(small.reads[call] as number);
  });

  it("the cron's report reads the same D1 rows when the traffic grows tenfold", () => {
    expect(
      large.reads.cron,
      `cron read ${large.reads.cron} rows at 10× vs ${small.reads.cron} at 1×`,
    ).toBeLessThanOrEqual(small.reads.cron as number);
  });

  it("bounds the traffic window and bucket widths, naming the field", async () => {
    const app = buildApp();
    const get = (path: string) => app.request(`http://edge.test${path}`, {}, env, createExecutionContext());
    type Problem = { errors: { field: string }[] };
    for (const [query, field] of [
      ["hours=721", "hours"],
      ["hours=0", "hours"],
      ["hours=1.5", "hours"],
      ["bucket_minutes=7", "bucket_minutes"],
      ["hours=48&bucket_minutes=15", "bucket_minutes"],
    ] as const) {
      const body = await expectProblemJson<Problem>(await get(`/v1/models/${MODEL}/traffic?${query}`), 422);
      expect(body.errors[0]?.field, query).toBe(field);
    }
    for (const query of [
      "hours=720&bucket_minutes=60",
      "hours=24&bucket_minutes=5",
      "hours=48&bucket_minutes=1440",
    ])
      expect((await get(`/v1/models/${MODEL}/traffic?${query}`)).status, query).toBe(200);
  });
});
