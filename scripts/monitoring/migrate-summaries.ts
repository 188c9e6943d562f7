// `npm run migrate:summaries -- [--local | --remote] [--env <name>] [--persist-to <dir>] [--page <rows>] [--max-pages <n>]`
//
// Folds an existing deployment's raw D1 prediction log (rows written before monitoring summaries existed,
// with their feedback) into summaries, through the Worker's own code (worker/monitoring/summary/migrate-raw.ts)
// on the deployment's D1 and KV bindings, reached through wrangler's platform proxy: the local miniflare state
// (`--local`, the default, where `npm start` / `wrangler dev` keep it) or the deployed bindings (`--remote`,
// wrangler's remote bindings: needs `wrangler login` and the database/namespace ids of wrangler.toml).
// Each page is one D1 transaction that also marks its rows, so the command is resumable (run it again after an
// interruption) and idempotent (a second run folds nothing). Apply the D1 migrations first
// (`wrangler d1 migrations apply DB --local|--remote`). docs/monitoring.md, "Migrating raw logs to summaries".
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy, unstable_readConfig } from "wrangler";
import { migrateRawPage } from "../../worker/monitoring/summary/migrate-raw.ts";
import { readManifest } from "../../worker/repository/registry-reader.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CONFIG = join(ROOT, "wrangler.toml");

const { values } = parseArgs({
  options: {
    local: { type: "boolean", default: false },
    remote: { type: "boolean", default: false },
    env: { type: "string" },
    "persist-to": { type: "string" },
    page: { type: "string", default: "500" },
    "max-pages": { type: "string" },
  },
});

if (values.local && values.remote) throw new Error("choose one of --local and --remote");
const page = Number(values.page);
if (!Number.isInteger(page) || page < 1 || page > 5_000) throw new Error("--page must be an integer 1…5000");
const maxPages = values["max-pages"] === undefined ? Number.POSITIVE_INFINITY : Number(values["max-pages"]);

/** A config with only the DB and REGISTRY bindings of the chosen environment, marked remote. */
function remoteConfig(dir: string): string {
  const config = unstable_readConfig({ config: CONFIG, env: values.env });
  const db = config.d1_databases.find((binding: { binding: string }) => binding.binding === "DB");
  const kv = config.kv_namespaces.find((binding: { binding: string }) => binding.binding === "REGISTRY");
  if (!db || !kv)
    throw new Error("wrangler.toml has no DB (D1) or REGISTRY (KV) binding for this environment");
  const path = join(dir, "wrangler.json");
  writeFileSync(
    path,
    JSON.stringify({
      name: `${config.name}-migrate-summaries`,
      compatibility_date: config.compatibility_date,
      compatibility_flags: config.compatibility_flags,
      d1_databases: [{ ...db, remote: true }],
      kv_namespaces: [{ ...kv, remote: true }],
    }),
  );
  return path;
}

const scratch = mkdtempSync(join(tmpdir(), "migrate-summaries-"));
const proxy = await getPlatformProxy<Env>(
  values.remote
    ? { configPath: remoteConfig(scratch), remoteBindings: true, persist: false }
    : {
        configPath: CONFIG,
        environment: values.env,
        remoteBindings: false,
        persist: values["persist-to"] ? { path: join(values["persist-to"], "v3") } : true,
      },
);
const totals = { pages: 0, rows: 0, labels: 0 };
const started = Date.now();
try {
  for (;;) {
    if (totals.pages >= maxPages) break;
    const result = await migrateRawPage(proxy.env, readManifest, page);
    if (result.done) break;
    totals.pages += 1;
    totals.rows += result.rows;
    totals.labels += result.labels;
    if (totals.pages % 20 === 1)
      console.log(
        `page ${totals.pages} (${result.phase}): ${totals.rows} rows, ${totals.labels} labels so far`,
      );
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const finished = totals.pages < maxPages;
  console.log(
    `${finished ? "migrated" : "stopped after --max-pages"}: ${totals.rows} rows and ${totals.labels} labels ` +
      `in ${totals.pages} pages (${seconds} s, ${values.remote ? "remote" : "local"}).` +
      (finished ? " Nothing left to fold; the cron compacts the new rows." : " Run it again to continue."),
  );
} finally {
  await proxy.dispose();
  rmSync(scratch, { recursive: true, force: true });
}
