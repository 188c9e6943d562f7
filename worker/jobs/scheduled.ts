import type { Bindings } from "../env.ts";

/** The cron entry point: drift, performance and health reports (see the monitoring issue). */
export async function runScheduledJobs(_env: Bindings, _scheduledTime: number): Promise<void> {}
