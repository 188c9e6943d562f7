import { buildApp } from "./http/app.ts";
import { fastPath } from "./http/fast-path.ts";
import { STATIC_FILE_BODIES } from "./http/static-file-bodies.ts";
import { consumePredictionLogs } from "./jobs/prediction-log-consumer.ts";
import { runScheduledJobs } from "./jobs/scheduled.ts";
import type { Bindings } from "./platform/env.ts";

const app = buildApp({ staticFiles: STATIC_FILE_BODIES });

export default {
  // The prediction routes skip Hono's per-request machinery (same answers: worker/http/fast-path.ts).
  fetch: (request, env, ctx) => fastPath(request, env, ctx) ?? app.fetch(request, env, ctx),
  // Returned, not waitUntil'd: a rejection marks the cron invocation failed.
  scheduled: async (controller, env) => {
    await runScheduledJobs(env, controller.scheduledTime);
  },
  queue: (batch, env) => consumePredictionLogs(batch, env),
} satisfies ExportedHandler<Bindings, unknown>;
