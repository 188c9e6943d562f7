import { spawn, spawnSync } from "node:child_process";
import { ensureDevPredictionIdKey } from "./dev-prediction-id-key.ts";
import { seedLocal } from "./seed-local.ts";

/**
 * `npm start`: apply D1 migrations to the local database, load every shipped model version into the
 * local KV/R2 (idempotent), make sure `.dev.vars` has a PREDICTION_ID_KEY, then serve with `wrangler dev` on port 8000 (`/__scheduled` triggers the cron).
 */
const port = process.env.PORT ?? "8000";
const wrangler = new URL("../../node_modules/.bin/wrangler", import.meta.url).pathname;

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local"], {
  stdio: "inherit",
  env: { ...process.env, CI: "true" },
});
if (migrate.status !== 0) process.exit(migrate.status ?? 1);

await seedLocal();
ensureDevPredictionIdKey(new URL("../../.dev.vars", import.meta.url).pathname);

const dev = spawn(
  wrangler,
  ["dev", "--port", port, "--ip", "127.0.0.1", "--test-scheduled", ...process.argv.slice(2)],
  {
    stdio: "inherit",
  },
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
