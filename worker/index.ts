import { buildApp } from "./app.ts";
import type { Bindings } from "./env.ts";
import { consumePredictionLogs } from "./jobs/prediction-log-consumer.ts";
import { runScheduledJobs } from "./jobs/scheduled.ts";

const app = buildApp();

export default {
  fetch: app.fetch,
  scheduled: (controller, env, ctx) => {
    ctx.waitUntil(runScheduledJobs(env, controller.scheduledTime));
  },
  queue: (batch, env) => consumePredictionLogs(batch, env),
} satisfies ExportedHandler<Bindings, unknown>;
