/**
 * One monitoring session against a fresh local Worker, for the data-lake test
 * (scripts/training/tests/test_lake_duckdb.py): recommender predictions on two versions (batches and single
 * rows), ground truth for most of them, the queue consumer's summaries and lake objects, a cron run; then
 * every object of the LOGS bucket copied to `--out` (same keys as paths) and the Worker's own figures
 * (traffic and the latest full report) printed as JSON on stdout.
 *
 *   npx tsx scripts/monitoring/lake-session.ts --out /tmp/lake
 *
 * The lake is read through wrangler's platform proxy on the Worker's own local state (no export endpoint).
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { getPlatformProxy } from "wrangler";
import { startLocalWorker } from "../lib/local-worker.ts";

type Row = Record<string, number | string>;

const ROOT = new URL("../../", import.meta.url).pathname;
const MODEL = "recommender";
/** The default version (registry.json) and a second one named explicitly. */
const VERSIONS = ["v4_xgboost", "v3_rf_tuned"] as const;

function replayRows(seed: string): { rows: Row[]; actuals: number[] } {
  const fixture = JSON.parse(
    readFileSync(join(ROOT, "test/fixtures/monitoring/replay-traffic.json"), "utf8"),
  ) as Record<string, Record<string, Record<string, unknown[]>>>;
  const columns = fixture[MODEL]?.[seed];
  if (!columns) throw new Error(`no fixture rows for ${MODEL}/${seed}`);
  const actuals = columns.__actual__ as number[];
  const names = Object.keys(columns).filter((name) => name !== "__actual__");
  return {
    rows: actuals.map((_, i) =>
      Object.fromEntries(names.map((name) => [name, columns[name]?.[i] as number | string])),
    ),
    actuals,
  };
}

async function exportLake(persistDir: string, out: string): Promise<string[]> {
  const proxy = await getPlatformProxy<Env>({
    configPath: join(ROOT, "wrangler.toml"),
    persist: { path: join(persistDir, "v3") },
  });
  const keys: string[] = [];
  try {
    let cursor: string | undefined;
    do {
      const page = await proxy.env.LOGS.list({ cursor });
      for (const { key } of page.objects) {
        const object = await proxy.env.LOGS.get(key);
        if (!object) continue;
        const path = join(out, key);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, new Uint8Array(await object.arrayBuffer()));
        keys.push(key);
      }
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  } finally {
    await proxy.dispose();
  }
  return keys;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { out: { type: "string" } }, strict: true });
  if (!values.out) throw new Error("--out <dir> is required");
  const worker = await startLocalWorker();
  const log = (line: string) => process.stderr.write(`${line}\n`);
  try {
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${worker.url}${path}`, {
        ...init,
        headers: { "content-type": "application/json" },
      });
      if (!response.ok)
        throw new Error(`${init.method ?? "GET"} ${path} → ${response.status} ${await response.text()}`);
      return response;
    };
    const post = (path: string, body: unknown) => call(path, { method: "POST", body: JSON.stringify(body) });
    const started = Date.now();
    const { rows, actuals } = replayRows("102");
    const sent: { id: string; value: number; actual: number }[] = [];
    const predict = async (body: Record<string, unknown>, from: number, count: number) => {
      const instances = rows.slice(from, from + count);
      const answer = (await (await post(`/v1/models/${MODEL}/predict`, { ...body, instances })).json()) as {
        predictions: { id: string; value: number }[];
      };
      answer.predictions.forEach((p, i) => {
        sent.push({ id: p.id, value: p.value, actual: actuals[from + i] as number });
      });
    };
    // Batches of both versions and single-row requests of the default: 12 requests, 150 rows.
    await predict({ version: VERSIONS[0] }, 0, 60);
    await predict({ version: VERSIONS[1] }, 60, 50);
    for (let i = 0; i < 10; i++) await predict({}, 110 + 4 * i, i % 2 === 0 ? 1 : 7);
    const requests = 12;
    log(`${sent.length} predictions in ${requests} requests`);

    const traffic = async () =>
      (await (await call(`/v1/models/${MODEL}/traffic?hours=1&bucket_minutes=60`)).json()) as {
        buckets: { requests: number; rows?: number }[];
      };
    for (let tries = 0; ; tries++) {
      const landed = (await traffic()).buckets.reduce((sum, bucket) => sum + bucket.requests, 0);
      if (landed >= requests) break;
      if (tries > 240) throw new Error(`only ${landed}/${requests} requests reached the summaries`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const labelled = sent.filter((_, i) => i % 5 !== 4); // 80 % get ground truth
    await post("/v1/predictions/feedback", {
      feedback: labelled.map((p) => ({ prediction_id: p.id, actual: p.actual })),
    });
    log(`feedback for ${labelled.length}`);

    await call("/__scheduled?cron=*/15+*+*+*+*");
    let report: Record<string, unknown> | undefined;
    for (let tries = 0; tries < 120 && !report; tries++) {
      const list = (await (await call(`/v1/models/${MODEL}/reports?limit=1`)).json()) as {
        reports: { id: string; generated_at: string }[];
      };
      const latest = list.reports[0];
      if (latest && Date.parse(latest.generated_at) >= started)
        report = (await (
          await call(`/v1/models/${MODEL}/reports/${encodeURIComponent(latest.id)}`)
        ).json()) as Record<string, unknown>;
      else await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (!report) throw new Error("the cron run produced no report");
    // Lake writes of feedback run after the response (waitUntil): wait until the feedback objects hold every label.
    const keys = await exportLake(worker.persistDir, values.out);
    log(`${keys.length} lake objects exported to ${values.out}`);
    process.stdout.write(
      `${JSON.stringify({ model: MODEL, versions: VERSIONS, requests, sent, keys, traffic: await traffic(), report })}\n`,
    );
  } finally {
    await worker.stop();
  }
}

await main();
