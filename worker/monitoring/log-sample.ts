import { loggableError } from "../platform/store-failure.ts";
import type { PredictionRecord } from "./prediction-record.ts";

/**
 * The `predictions` table is a bounded recent sample, not the log of every prediction (that is the lake in R2
 * and the summaries in D1): drill-down, baseline skill and feedback on legacy (UUID) ids read it. Each model
 * keeps about SAMPLE_ROWS_PER_HOUR rows an hour whatever its traffic, and every row while its traffic is
 * below that (docs/monitoring.md, "Feedback at scale").
 */
export const SAMPLE_ROWS_PER_HOUR = 1_000;
/** How long an isolate reuses a model's rate before reading the summaries again. */
export const RATE_CACHE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The summaries' fine bucket width: the hour counted is the 12 complete buckets before the current one. */
const BUCKET_MS = 300_000;
const MODELS_PER_QUERY = 90;

/** FNV-1a (32-bit) of the id's UTF-16 code units, as a fraction in [0, 1): uniform enough for sampling. */
export function idFraction(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index += 1) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

/**
 * The records to keep as raw rows: a record is kept iff its id's hash fraction is below its model's rate
 * (a model absent from the map keeps everything). Deterministic: a redelivered batch keeps the same rows.
 */
export function sampleForLog(
  records: readonly PredictionRecord[],
  ratePerModel: ReadonlyMap<string, number>,
): PredictionRecord[] {
  return records.filter((record) => {
    const rate = ratePerModel.get(record.model) ?? 1;
    return rate >= 1 || idFraction(record.id) < rate;
  });
}

/** rate = min(1, SAMPLE_ROWS_PER_HOUR / rows logged in the last hour): ≈ SAMPLE_ROWS_PER_HOUR rows an hour. */
const sampleRate = (rowsLastHour: number): number =>
  rowsLastHour <= SAMPLE_ROWS_PER_HOUR ? 1 : SAMPLE_ROWS_PER_HOUR / rowsLastHour;

const cache = new Map<string, { rate: number; at: number }>();

/**
 * Each model's sample rate from the rows its summaries counted in the last complete hour of fine buckets:
 * one indexed aggregate over ≤ 12 summary rows per model (and their partials), cached per isolate for
 * RATE_CACHE_MS. A failed read keeps the cached rate (or 1, every row, when there is none).
 */
export async function logSampleRates(
  db: D1Database,
  models: readonly string[],
  now = Date.now(),
): Promise<Map<string, number>> {
  const rates = new Map<string, number>();
  const stale: string[] = [];
  for (const model of new Set(models)) {
    const hit = cache.get(model);
    if (hit && now - hit.at < RATE_CACHE_MS && hit.at <= now) rates.set(model, hit.rate);
    else stale.push(model);
  }
  if (stale.length === 0) return rates;
  const end = Math.floor(now / BUCKET_MS) * BUCKET_MS;
  try {
    const counted = new Map<string, number>();
    // D1 binds at most 100 parameters per statement: 3 for the window, the rest models
    for (let start = 0; start < stale.length; start += MODELS_PER_QUERY) {
      const chunk = stale.slice(start, start + MODELS_PER_QUERY);
      const { results } = await db
        .prepare(
          `SELECT model, SUM(records) AS n FROM monitoring_summaries WHERE model IN (${chunk.map(() => "?").join(", ")}) AND bucket_start >= ? AND bucket_start < ? AND bucket_ms = ? GROUP BY model`,
        )
        .bind(...chunk, end - HOUR_MS, end, BUCKET_MS)
        .all<{ model: string; n: number | null }>();
      for (const row of results) counted.set(row.model, Number(row.n ?? 0));
    }
    for (const model of stale) {
      const rate = sampleRate(counted.get(model) ?? 0);
      cache.set(model, { rate, at: now });
      rates.set(model, rate);
    }
  } catch (error) {
    console.warn(JSON.stringify({ event: "log_sample_rate_unread", error: loggableError(error, 200) }));
    for (const model of stale) rates.set(model, cache.get(model)?.rate ?? 1);
  }
  return rates;
}

/** Tests: forget cached rates. */
export function resetLogSampleRates(): void {
  cache.clear();
}
