import { createScheduledController, env } from "cloudflare:test";
import worker from "../../worker/index.ts";
import type { PredictionRecord } from "../../worker/monitoring/prediction-record.ts";
import traffic from "../fixtures/monitoring/replay-traffic.json";

export type Row = Record<string, number | string>;

/** Rows (and their ground truth) of one replay seed: scripts/monitoring/replay-fixtures.py. */
export function replayRows(
  model: "recommender" | "kredipusula",
  seed: string,
): { rows: Row[]; actuals: number[] } {
  const columns = (traffic[model] as Record<string, Record<string, (number | string)[]>>)[seed];
  if (!columns) throw new Error(`no replay seed ${model}/${seed}`);
  const names = Object.keys(columns).filter((name) => name !== "__actual__");
  const actuals = (columns.__actual__ ?? []) as number[];
  const rows = actuals.map((_, index) =>
    Object.fromEntries(names.map((name) => [name, columns[name]?.[index] as number | string])),
  );
  return { rows, actuals };
}

/** Waits until every id has its row in D1 (the log goes through the queue, so it lands a moment later). */
export async function waitForLogged(ids: readonly string[], timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let found = 0;
  while (Date.now() < deadline) {
    found = 0;
    for (let start = 0; start < ids.length; start += 100) {
      const chunk = ids.slice(start, start + 100);
      const row = await env.DB.prepare(
        `SELECT count(*) AS n FROM predictions WHERE id IN (${chunk.map(() => "?").join(",")})`,
      )
        .bind(...chunk)
        .first<{ n: number }>();
      found += row?.n ?? 0;
    }
    if (found >= ids.length) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return found;
}

/** Runs the Worker's real `scheduled` handler to completion; a failing run rejects (the handler returns its promise). */
export async function runCron(scheduledTime: number): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: "*/15 * * * *" });
  await worker.scheduled(controller, env);
}

/** A logged credit prediction (the seed request scored by kredipusula/v2_gbm), as the Worker enqueues it. */
export function predictionRecord(id: string, overrides: Partial<PredictionRecord> = {}): PredictionRecord {
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
