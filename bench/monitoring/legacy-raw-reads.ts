/**
 * The pre-issue-9 /traffic query, kept here only as the benchmark's baseline: it aggregates the raw
 * `predictions` rows of the window, so its cost grows with the rows logged (13–16 s at 1M rows in issue 9).
 */
export async function legacyTrafficSeries(
  db: D1Database,
  model: string,
  start: number,
  end: number,
  bucketMs: number,
): Promise<{ rows: number; rowsRead: number }> {
  const result = await db
    .prepare(
      `SELECT (ts / CAST(?1 AS INTEGER)) * CAST(?1 AS INTEGER) AS t, version, CASE WHEN route = 'shadow' THEN 'shadow' ELSE 'served' END AS route,
              count(*) AS requests, sum(status = 'error') AS errors,
              avg(latency_ms) AS latency_avg_ms, max(latency_ms) AS latency_max_ms
         FROM predictions WHERE model = ?2 AND ts >= ?3 AND ts < ?4
        GROUP BY t, version, 3 ORDER BY t, version`,
    )
    .bind(bucketMs, model, start, end)
    .all();
  return { rows: result.results.length, rowsRead: result.meta.rows_read ?? 0 };
}
