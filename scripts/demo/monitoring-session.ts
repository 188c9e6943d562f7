/**
 * A scripted monitoring session against a running local Worker (`npm start`, which serves with
 * --test-scheduled): predictions (a share with item_price shifted), ground truth for most of them, a cron
 * run via /__scheduled, then the report, /model_health and an independent computation side by side.
 *
 *   npm run demo:monitoring [-- --url http://127.0.0.1:8000]     (or EDGE_URL=...; API_KEY=... when the Worker
 *                                                                 needs one; --base / BASE_URL: deprecated aliases)
 *
 * Exits non-zero when the report disagrees with the independent computation.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { workerUrl } from "../cli/worker-url.ts";

type Row = Record<string, number | string>;

const FIXTURE = new URL("../../test/fixtures/monitoring/replay-traffic.json", import.meta.url);
const MODEL = "recommender";
const SHIFTED_SHARE = 0.3;
const FEEDBACK_SHARE = 0.8;

function rowsOf(model: string, seed: string): { rows: Row[]; actuals: number[] } {
  const fixture = JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<
    string,
    Record<string, Record<string, unknown[]>>
  >;
  const columns = fixture[model]?.[seed];
  if (!columns) throw new Error(`no fixture rows for ${model}/${seed}`);
  const actuals = columns.__actual__ as number[];
  const names = Object.keys(columns).filter((name) => name !== "__actual__");
  return {
    rows: actuals.map((_, i) =>
      Object.fromEntries(names.map((name) => [name, columns[name]?.[i] as number | string])),
    ),
    actuals,
  };
}

/** Independent reference computation (plain formulas, nothing shared with the Worker). */
export function independentRegression(predicted: number[], actual: number[]) {
  const n = predicted.length;
  const errors = predicted.map((p, i) => p - (actual[i] ?? 0));
  const mse = errors.reduce((s, e) => s + e * e, 0) / n;
  const meanActual = actual.reduce((s, a) => s + a, 0) / n;
  const total = actual.reduce((s, a) => s + (a - meanActual) ** 2, 0);
  return {
    n,
    mae: errors.reduce((s, e) => s + Math.abs(e), 0) / n,
    mse,
    rmse: Math.sqrt(mse),
    r2: 1 - (mse * n) / total,
  };
}

export interface SessionResult {
  reportId: string;
  report: Record<string, unknown>;
  modelHealth: Record<string, unknown>;
  independent: ReturnType<typeof independentRegression>;
  mismatches: string[];
}

export async function runMonitoringSession(
  base: string,
  log: (line: string) => void = console.log,
): Promise<SessionResult> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (process.env.API_KEY) headers["x-api-key"] = process.env.API_KEY;
  const call = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${base}${path}`, { ...init, headers });
    if (!response.ok)
      throw new Error(`${init.method ?? "GET"} ${path} → ${response.status} ${await response.text()}`);
    return response;
  };
  const post = (path: string, body: unknown) => call(path, { method: "POST", body: JSON.stringify(body) });

  const { rows, actuals } = rowsOf(MODEL, "102");
  const shiftedFrom = Math.floor(rows.length * (1 - SHIFTED_SHARE));
  const sent = rows.map((row, i) =>
    i >= shiftedFrom ? { ...row, item_price: (row.item_price as number) + 25 } : row,
  );
  const started = Date.now();
  const predicted: { id: string; value: number }[] = [];
  for (let start = 0; start < sent.length; start += 100) {
    const response = await post(`/v1/models/${MODEL}/predict`, { instances: sent.slice(start, start + 100) });
    predicted.push(
      ...((await response.json()) as { predictions: { id: string; value: number }[] }).predictions,
    );
  }
  // a few through the seed's own endpoint too
  for (const row of sent.slice(0, 5)) await post("/predict", row);
  log(`${predicted.length + 5} ${MODEL} predictions (${sent.length - shiftedFrom} with item_price + 25)`);

  const credit = rowsOf("kredipusula", "201");
  const creditIds: string[] = [];
  for (const row of credit.rows.slice(0, 60)) {
    creditIds.push((await post("/api/v1/predict", row)).headers.get("x-prediction-id") ?? "");
  }
  log(`${creditIds.length} kredipusula predictions`);

  // Feedback is accepted only for logged predictions: wait until the queue has delivered every row of both models.
  const waitForLogRows = async (model: string, expected: number) => {
    for (let tries = 0; ; tries++) {
      const traffic = (await (
        await call(`/v1/models/${model}/traffic?hours=1&bucket_minutes=60`)
      ).json()) as {
        buckets: { rows: number; t: number }[];
      };
      // rows, not requests: a batch request is one request of many logged rows
      const landed = traffic.buckets.filter((b) => b.t + 3_600_000 > started).reduce((s, b) => s + b.rows, 0);
      if (landed >= expected) return;
      if (tries > 240) throw new Error(`only ${landed}/${expected} ${model} log rows landed`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  await waitForLogRows(MODEL, predicted.length + 5);
  await waitForLogRows("kredipusula", creditIds.length);

  const labelled = predicted.slice(0, Math.floor(predicted.length * FEEDBACK_SHARE));
  await post("/v1/predictions/feedback", {
    feedback: labelled.map((p, i) => ({ prediction_id: p.id, actual: actuals[i] })),
  });
  await post("/v1/predictions/feedback", {
    feedback: creditIds.map((id, i) => ({ prediction_id: id, actual: credit.actuals[i] })),
  });
  log(`feedback for ${labelled.length} ${MODEL} and ${creditIds.length} kredipusula predictions`);

  await call("/__scheduled?cron=*/15+*+*+*+*");
  let reportId = "";
  for (let tries = 0; tries < 60 && !reportId; tries++) {
    const list = (await (await call(`/v1/models/${MODEL}/reports?limit=1`)).json()) as {
      reports: { id: string; generated_at: string }[];
    };
    const latest = list.reports[0];
    if (latest && Date.parse(latest.generated_at) >= started) reportId = latest.id;
    else await new Promise((resolve) => setTimeout(resolve, 500));
  }
  if (!reportId) throw new Error("the cron run produced no report");
  const report = (await (
    await call(`/v1/models/${MODEL}/reports/${encodeURIComponent(reportId)}`)
  ).json()) as Record<string, unknown>;
  const modelHealth = (await (await call("/model_health")).json()) as Record<string, unknown>;

  // Only this session's rows when the database is fresh; a reused database mixes in older rows, so compare
  // against the report's own window only when the counts agree.
  const independent = independentRegression(
    labelled.map((p) => p.value),
    labelled.map((_, i) => actuals[i] as number),
  );
  const perf = (report.performance as unknown as { default: Record<string, number> }).default;
  const mismatches: string[] = [];
  log("\nmetric      independent        report             /model_health");
  for (const key of ["n", "mae", "mse", "rmse", "r2"] as const) {
    const fromHealth = key === "n" ? modelHealth.feedback_count : modelHealth[key];
    log(
      `${key.padEnd(11)} ${String(independent[key]).padEnd(18)} ${String(perf[key]).padEnd(18)} ${fromHealth}`,
    );
    if (Math.abs((perf[key] ?? Number.NaN) - independent[key]) > 1e-9) mismatches.push(key);
  }
  const drift = report.drift as unknown as {
    drifted_features: string[];
    features: Record<string, { psi: number; p_value: number; status: string }>;
  };
  log(
    `\nstatus ${report.status} · /model_health ${modelHealth.status} (healthy=${modelHealth.healthy}, source=${modelHealth.source})`,
  );
  log(`drifted features: ${drift.drifted_features.join(", ") || "none"}`);
  for (const [name, f] of Object.entries(drift.features))
    log(
      `  ${name.padEnd(14)} ${f.status.padEnd(6)} PSI ${f.psi.toFixed(3)}  p ${f.p_value.toExponential(2)}`,
    );
  log(`report ${reportId}; dashboard: ${base}/dashboard`);
  if (mismatches.length)
    log(
      `MISMATCH in ${mismatches.join(", ")} (a reused local database adds older rows: start from a fresh one)`,
    );
  return { reportId, report, modelHealth, independent, mismatches };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: { url: { type: "string" }, base: { type: "string" } },
    strict: true,
  });
  const result = await runMonitoringSession(workerUrl(values));
  process.exit(result.mismatches.length ? 1 : 0);
}
