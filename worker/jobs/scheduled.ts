import type { FetchLike } from "../monitoring/alert-webhook.ts";
import { pruneLake } from "../monitoring/lake/lake-retention.ts";
import { redriveSpill } from "../monitoring/lake/spill-redrive.ts";
import { pruneOldData } from "../monitoring/store/retention.ts";
import { compactSummaries } from "../monitoring/store/summary-compaction.ts";
import type { Bindings } from "../platform/env.ts";
import { loggableError } from "../platform/store-failure.ts";
import { listModelRecords, readManifest } from "../repository/registry-reader.ts";
import { runModelHealth } from "./model-health-job.ts";

const days = (value: string | undefined, fallback: number) => {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};

/** Spill objects re-driven per run (each one D1 transaction): a backlog drains over a few runs. */
const SPILL_OBJECTS_PER_RUN = 20;

/** Compaction failing (D1 down) must not stop the reports and retention of the same run. */
async function compactSafely(db: D1Database, now: number) {
  try {
    return await compactSummaries(db, now);
  } catch (error) {
    console.error(JSON.stringify({ event: "summary_compaction_failed", error: loggableError(error) }));
    return null;
  }
}

/**
 * The cron entry point (every 15 min): re-drive spilled records (R2 → summaries) once D1 answers, compact
 * the summaries, one health report per model over its window ending at the scheduled time, then retention
 * (D1 and the R2 lake). Idempotent: the same scheduled time rewrites the same reports. A failing model is
 * logged and skipped so it cannot starve the others.
 */
export async function runScheduledJobs(
  env: Bindings,
  scheduledTime: number,
  fetcher: FetchLike = (input, init) => fetch(input, init),
) {
  const redriven = await redriveSpill(env, SPILL_OBJECTS_PER_RUN, readManifest);
  const compacted = await compactSafely(env.DB, scheduledTime);
  const reports = [];
  for (const record of await listModelRecords(env.REGISTRY)) {
    try {
      reports.push(await runModelHealth(env, record, scheduledTime, fetcher));
    } catch (error) {
      console.error(
        JSON.stringify({ event: "health_report_failed", model: record.name, error: loggableError(error) }),
      );
    }
  }
  const pruned = await pruneOldData(
    env.DB,
    scheduledTime,
    days(env.LOG_RETENTION_DAYS, 30),
    days(env.REPORT_RETENTION_DAYS, 90),
  );
  const lakePruned = await pruneLake(env.LOGS, scheduledTime, days(env.LAKE_RETENTION_DAYS, 90));
  const done = { reports, pruned, redriven, compacted, lake_pruned: lakePruned };
  console.log(JSON.stringify({ event: "scheduled_done", scheduled_time: scheduledTime, ...done }));
  return done;
}
