/** Rows deleted per statement and statements per run: bounded, so one cron run never holds D1 for long. */
const DELETE_CHUNK = 5_000;
const MAX_CHUNKS = 20;

/**
 * Dedupe keys of ingested units are kept this long: longer than any redelivery of a queue message (main queue
 * ~20 min, then the dead-letter queue ~25 h). A spill object's key only guards the moment between its ingest
 * and its deletion. A message redelivered after its key was pruned would be counted twice; none can be.
 * Size: one ~80-byte row per queue message (≈ 156,000 a day at 10M records packed 64 per message).
 */
const DEDUPE_RETENTION_DAYS = 2;

const TABLES = {
  predictions: "ts",
  feedback: "ts",
  health_reports: "window_end",
  monitoring_summaries: "bucket_start",
  ingested_messages: "ts",
} as const;

async function pruneTable(db: D1Database, table: keyof typeof TABLES, cutoff: number) {
  const column = TABLES[table];
  let deleted = 0;
  for (let chunk = 0; chunk < MAX_CHUNKS; chunk++) {
    const result = await db
      .prepare(
        `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE ${column} < ?1 LIMIT ${DELETE_CHUNK})`,
      )
      .bind(cutoff)
      .run();
    deleted += result.meta.changes ?? 0;
    if ((result.meta.changes ?? 0) < DELETE_CHUNK) break;
  }
  return deleted;
}

/**
 * Deletes the raw sample and feedback older than `logDays`; reports and monitoring summaries older than
 * `reportDays` (summaries are what a report over a past window is rebuilt from, so they live as long as the
 * reports: REPORT_RETENTION_DAYS, 90 by default; at ~24 coarse rows a day per version and route they cost
 * little); dedupe keys older than DEDUPE_RETENTION_DAYS.
 */
export async function pruneOldData(db: D1Database, now: number, logDays: number, reportDays: number) {
  const day = 86_400_000;
  return {
    predictions: await pruneTable(db, "predictions", now - logDays * day),
    feedback: await pruneTable(db, "feedback", now - logDays * day),
    health_reports: await pruneTable(db, "health_reports", now - reportDays * day),
    monitoring_summaries: await pruneTable(db, "monitoring_summaries", now - reportDays * day),
    ingested_messages: await pruneTable(db, "ingested_messages", now - DEDUPE_RETENTION_DAYS * day),
  };
}
