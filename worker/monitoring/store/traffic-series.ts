import type { KeyedSummary } from "../summary/fold.ts";
import { mergeSketches } from "../summary/merge.ts";
import type { LatencySketch, Summary, SummaryKey } from "../summary/summary.ts";

export interface TrafficBucket {
  t: number;
  version: string;
  route: string;
  /** Distinct requests (a batch request that scored n rows is one request). */
  requests: number;
  /** Logged rows (scored instances; shadow scores under route "shadow"). */
  rows: number;
  /** Requests with at least one error row. */
  errors: number;
  /** Mean and maximum per-request latency (a request's latency: the max over its rows); exact, from the sketch's sum and max. */
  latency_avg_ms: number;
  latency_max_ms: number;
}

interface Accumulator {
  t: number;
  version: string;
  route: "served" | "shadow";
  requests: number;
  rows: number;
  errors: number;
  latency: LatencySketch | undefined;
}

/**
 * Requests, errors and latency per bucket of `bucketMs`, version and served/shadow, for the summaries whose
 * bucket starts in [start, end). Each summary bucket (5 min, or 1 h once compacted) lands in the output bucket
 * holding its start, so `bucketMs` must be a multiple of the summaries' widths (the route checks it). Pure.
 */
function trafficFromSummaries(summaries: readonly KeyedSummary[], bucketMs: number): TrafficBucket[] {
  const buckets = new Map<string, Accumulator>();
  for (const { key, summary } of summaries) {
    const t = Math.floor(key.bucket_start / bucketMs) * bucketMs;
    const route = key.route === "shadow" ? "shadow" : "served";
    const id = `${t}|${key.version}|${route}`;
    const seen = buckets.get(id) ?? {
      t,
      version: key.version,
      route,
      requests: 0,
      rows: 0,
      errors: 0,
      latency: undefined,
    };
    seen.requests += summary.requests;
    seen.rows += summary.n;
    seen.errors += summary.request_errors;
    if (summary.latency)
      seen.latency = seen.latency ? mergeSketches(seen.latency, summary.latency) : summary.latency;
    buckets.set(id, seen);
  }
  return [...buckets.values()]
    .map((bucket) => ({
      t: bucket.t,
      version: bucket.version,
      route: bucket.route,
      requests: bucket.requests,
      rows: bucket.rows,
      errors: bucket.errors,
      latency_avg_ms: bucket.latency?.count ? bucket.latency.sum / bucket.latency.count : 0,
      latency_max_ms: bucket.latency?.max ?? 0,
    }))
    .sort((a, b) => a.t - b.t || a.version.localeCompare(b.version) || a.route.localeCompare(b.route));
}

interface OpsRow {
  version: string;
  route: SummaryKey["route"];
  bucket_start: number;
  bucket_ms: number;
  n: number;
  requests: number;
  request_errors: number;
  latency: string | null;
}

/**
 * The traffic series of `model` over [start, end) from its monitoring summaries: only their counts and
 * latency sketch are extracted in D1 (json_extract), not the feature parts. Every row of a key (its compact
 * row and partials not compacted yet) adds up, as readSummaries merges them; rows with no records (labelled
 * deltas from feedback, which carry no traffic) are skipped before any JSON is read. The cost is the window's
 * summary rows (keys × buckets, 1-h buckets after a day), not the requests served.
 */
export async function trafficSeries(
  db: D1Database,
  model: string,
  start: number,
  end: number,
  bucketMs: number,
): Promise<TrafficBucket[]> {
  const { results } = await db
    .prepare(
      `SELECT version, route, bucket_start, bucket_ms,
              json_extract(summary, '$.n') AS n, json_extract(summary, '$.requests') AS requests,
              json_extract(summary, '$.request_errors') AS request_errors,
              json_extract(summary, '$.latency') AS latency
         FROM monitoring_summaries
        WHERE model = ?1 AND bucket_start >= ?2 AND bucket_start < ?3 AND records > 0`,
    )
    .bind(model, start, end)
    .all<OpsRow>();
  const parts: KeyedSummary[] = results.map((row) => {
    const summary: Summary = {
      v: 1,
      n: row.n ?? 0,
      errors: 0,
      requests: row.requests ?? 0,
      request_errors: row.request_errors ?? 0,
    };
    if (row.latency) summary.latency = JSON.parse(row.latency) as LatencySketch;
    return {
      key: {
        model,
        version: row.version,
        route: row.route,
        bucket_start: row.bucket_start,
        bucket_ms: row.bucket_ms,
      },
      summary,
    };
  });
  return trafficFromSummaries(parts, bucketMs);
}
