import { buildApp } from "./http/app.ts";
import { consumePredictionLogs } from "./jobs/prediction-log-consumer.ts";
import { runScheduledJobs } from "./jobs/scheduled.ts";
import type { Bindings } from "./platform/env.ts";

const app = buildApp();

export default {
  fetch: app.fetch,
  // Returned, not waitUntil'd: a rejection marks the cron invocation failed.
  scheduled: async (controller, env) => {
    await runScheduledJobs(env, controller.scheduledTime);
  },
  queue: (batch, env) => consumePredictionLogs(batch, env),
} satisfies ExportedHandler<Bindings, unknown>;
