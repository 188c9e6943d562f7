export interface TrafficBucket {
  t: number;
  version: string;
  route: string;
  requests: number;
  errors: number;
  latency_avg_ms: number;
  latency_max_ms: number;
}

/**
 * Requests and latency per time bucket and version (served and shadow), aggregated in D1. The bucket width
 * is cast because D1 may bind a JS number as REAL, which would turn the integer division into a float one.
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
      `SELECT (ts / CAST(?1 AS INTEGER)) * CAST(?1 AS INTEGER) AS t, version, CASE WHEN route = 'shadow' THEN 'shadow' ELSE 'served' END AS route,
              count(*) AS requests, sum(status = 'error') AS errors,
              avg(latency_ms) AS latency_avg_ms, max(latency_ms) AS latency_max_ms
         FROM predictions WHERE model = ?2 AND ts >= ?3 AND ts < ?4
        GROUP BY t, version, 3 ORDER BY t, version`,
    )
    .bind(bucketMs, model, start, end)
    .all<TrafficBucket>();
  return results;
}
