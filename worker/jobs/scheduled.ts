import type { FetchLike } from "../monitoring/alert-webhook.ts";
import { pruneOldData } from "../monitoring/store/retention.ts";
import type { Bindings } from "../platform/env.ts";
import { listModelRecords } from "../repository/registry-reader.ts";
import { runModelHealth } from "./model-health-job.ts";

const days = (value: string | undefined, fallback: number) => {
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : fallback;
};

/**
 * The cron entry point (every 15 min): one health report per model over its window ending at the scheduled
 * time, then retention. Idempotent: the same scheduled time rewrites the same reports. A failing model is
 * logged and skipped so it cannot starve the others.
 */
export async function runScheduledJobs(
  env: Bindings,
  scheduledTime: number,
  fetcher: FetchLike = (input, init) => fetch(input, init),
) {
  const reports = [];
  for (const record of await listModelRecords(env.REGISTRY)) {
    try {
      reports.push(await runModelHealth(env, record, scheduledTime, fetcher));
    } catch (error) {
      console.error(
        JSON.stringify({ event: "health_report_failed", model: record.name, error: String(error) }),
      );
    }
  }
  const pruned = await pruneOldData(
    env.DB,
    scheduledTime,
    days(env.LOG_RETENTION_DAYS, 30),
    days(env.REPORT_RETENTION_DAYS, 90),
  );
  console.log(JSON.stringify({ event: "scheduled_done", scheduled_time: scheduledTime, reports, pruned }));
  return { reports, pruned };
}
