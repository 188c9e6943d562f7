/** Rows deleted per statement and statements per run: bounded, so one cron run never holds D1 for long. */
const DELETE_CHUNK = 5_000;
const MAX_CHUNKS = 20;

async function pruneTable(
  db: D1Database,
  table: "predictions" | "feedback" | "health_reports",
  column: string,
  cutoff: number,
) {
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

/** Deletes logs and feedback older than `logDays` and reports older than `reportDays` (before `now`). */
export async function pruneOldData(db: D1Database, now: number, logDays: number, reportDays: number) {
  const day = 86_400_000;
  return {
    predictions: await pruneTable(db, "predictions", "ts", now - logDays * day),
    feedback: await pruneTable(db, "feedback", "ts", now - logDays * day),
    health_reports: await pruneTable(db, "health_reports", "window_end", now - reportDays * day),
  };
}
