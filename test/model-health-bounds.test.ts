import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { insertPredictionRecords } from "../worker/monitoring/store/prediction-log-writer.ts";
import { VERDICT_RULE } from "../worker/tasks/metrics/health-verdict.ts";
import { workerClient } from "./support/http.ts";
import { predictionRecord, runCron } from "./support/monitoring-helpers.ts";
import { seedShippedModels, shippedDefaults } from "./support/shipped-models.ts";

/**
 * GET /model_health over HTTP: every field of the seed's answer stays, in the seed's order and with its meaning
 * (RMSE, R², MAE, MSE of the default version over 24 h; `healthy` judged against rmse_max 1.0 / r2_min 0.6),
 * and the issue-12 additions follow: rmse_bounds, r2_bounds, baseline_skill, verdict_rule, min_labels_for_bounds.
 * Expected figures are computed here from the rows (the quantiles are scipy's: chi2.ppf(0.95 | 0.05, 40),
 * t.ppf(0.95, 39)).
 */
const { get, post } = workerClient("https://edge.test");

const SEED_FIELDS = [
  "model",
  "version",
  "window_hours",
  "status",
  "healthy",
  "rmse",
  "r2",
  "mae",
  "mse",
  "thresholds",
  "feedback_count",
  "message",
  "source",
  "report_id",
  "report_status",
  "timestamp",
];
const ADDED_FIELDS = ["rmse_bounds", "r2_bounds", "baseline_skill", "verdict_rule", "min_labels_for_bounds"];
const CHI2_40_95 = 55.75847927888702;
const CHI2_40_05 = 26.50930319669311;
const T_39_95 = 1.6848751217112248;

type Bounds = { lower: number; upper: number; confidence: number };
interface ModelHealth {
  model: string;
  version: string;
  window_hours: number;
  status: string;
  healthy: boolean | null;
  rmse: number | null;
  r2: number | null;
  mae: number | null;
  mse: number | null;
  thresholds: { rmse_max: number | null; r2_min: number | null; min_feedback: number };
  feedback_count: number;
  message: string;
  source: string;
  report_id: string | null;
  report_status: string | null;
  timestamp: string;
  rmse_bounds: Bounds | null;
  r2_bounds: Bounds | null;
  baseline_skill: { baseline: string; baseline_rmse: number; skill: number | null } | null;
  verdict_rule: string;
  min_labels_for_bounds: number;
}

const N = 40;
const version = shippedDefaults.recommender as string;
// ratings 1 and 5 alternate (variance 4); the prediction sits 0.6, 1.0, 1.2 or 1.3 towards the middle
const magnitude = (i: number) => [0.6, 1.0, 1.2, 1.3][Math.floor(i / 2) % 4] as number;
const rows = Array.from({ length: N }, (_, i) => {
  const actual = i % 2 === 0 ? 1 : 5;
  return { id: `mh-${i}`, actual, output: actual === 1 ? 1 + magnitude(i) : 5 - magnitude(i) };
});

async function modelHealth(): Promise<ModelHealth> {
  const response = await get("/model_health");
  expect(response.status).toBe(200);
  const body = (await response.json()) as ModelHealth;
  expect(Object.keys(body)).toEqual([...SEED_FIELDS, ...ADDED_FIELDS]);
  return body;
}

/** The seed's figures and the bounds, computed from (output, actual) pairs. */
function expected(pairs: { output: number; actual: number }[]) {
  const n = pairs.length;
  const errors = pairs.map((p) => p.output - p.actual);
  const mean = pairs.reduce((s, p) => s + p.actual, 0) / n;
  const a = errors.map((e) => e * e);
  const b = pairs.map((p) => (p.actual - mean) ** 2);
  const meanA = a.reduce((s, x) => s + x, 0) / n;
  const meanB = b.reduce((s, x) => s + x, 0) / n;
  const variance = (xs: number[], m: number) => xs.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
  const covariance = a.reduce((s, x, i) => s + (x - meanA) * ((b[i] as number) - meanB), 0) / (n - 1);
  const logSe = Math.sqrt(
    (variance(a, meanA) / meanA ** 2 + variance(b, meanB) / meanB ** 2 - (2 * covariance) / (meanA * meanB)) /
      n,
  );
  return {
    mse: meanA,
    rmse: Math.sqrt(meanA),
    mae: errors.reduce((s, e) => s + Math.abs(e), 0) / n,
    r2: 1 - meanA / meanB,
    rmse_bounds: { lower: Math.sqrt((n * meanA) / CHI2_40_95), upper: Math.sqrt((n * meanA) / CHI2_40_05) },
    r2_bounds: {
      lower: 1 - (meanA / meanB) * Math.exp(T_39_95 * logSe),
      upper: 1 - (meanA / meanB) * Math.exp(-T_39_95 * logSe),
    },
  };
}

function expectFigures(body: ModelHealth, pairs: { output: number; actual: number }[]) {
  const want = expected(pairs);
  expect(body.feedback_count).toBe(pairs.length);
  expect(body.rmse).toBeCloseTo(want.rmse, 9);
  expect(body.mse).toBeCloseTo(want.mse, 9);
  expect(body.mae).toBeCloseTo(want.mae, 9);
  expect(body.r2).toBeCloseTo(want.r2, 9);
  // the Worker rounds bounds to 6 significant digits; its quantiles come from bisection
  expect(body.rmse_bounds?.confidence).toBe(0.95);
  expect(body.rmse_bounds?.lower).toBeCloseTo(want.rmse_bounds.lower, 4);
  expect(body.rmse_bounds?.upper).toBeCloseTo(want.rmse_bounds.upper, 4);
  expect(body.r2_bounds?.confidence).toBe(0.95);
  expect(body.r2_bounds?.lower).toBeCloseTo(want.r2_bounds.lower, 4);
  expect(body.r2_bounds?.upper).toBeCloseTo(want.r2_bounds.upper, 4);
  const skill = body.baseline_skill;
  expect(skill?.baseline).toBe("loo_user_item_means");
  // skill = 1 − MSE(model) / MSE(baseline), both over the same rows
  expect(skill?.skill).toBeCloseTo(1 - want.mse / (skill?.baseline_rmse ?? 1) ** 2, 4);
}

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("GET /model_health keeps the seed's fields and adds the verdict's evidence", () => {
  it("answers no_data without labels: seed fields null, bounds null, the rule and its minimum stated", async () => {
    const body = await modelHealth();
    expect(body).toMatchObject({
      model: "recommender",
      version,
      window_hours: 24,
      status: "no_data",
      healthy: null,
      rmse: null,
      r2: null,
      mae: null,
      mse: null,
      thresholds: { rmse_max: 1, r2_min: 0.6, min_feedback: 30 },
      feedback_count: 0,
      source: "live",
      report_id: null,
      report_status: null,
      rmse_bounds: null,
      r2_bounds: null,
      baseline_skill: null,
      verdict_rule: VERDICT_RULE,
      min_labels_for_bounds: 10,
    });
    expect(body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it("stays healthy when the point RMSE is past the bar but its bound admits the bar (40 labels)", async () => {
    const ts = Date.now() - 60_000;
    await insertPredictionRecords(
      env.DB,
      rows.map((row, i) =>
        predictionRecord(row.id, {
          ts: ts + i,
          model: "recommender",
          version,
          inputs: { user_id: i % 7, item_id: i % 5 },
          output: row.output,
          label: null,
        }),
      ),
    );
    const feedback = await post("/v1/predictions/feedback", {
      feedback: rows.map((row) => ({ prediction_id: row.id, actual: row.actual })),
    });
    expect(feedback.status).toBe(200);
    const body = await modelHealth();
    expectFigures(body, rows);
    // RMSE 1.059 ≥ rmse_max 1.0 on the point figure; its lower bound 0.897 < 1.0: inconclusive, not unhealthy
    expect(body.rmse).toBeGreaterThan(1);
    expect(body.rmse_bounds?.lower).toBeLessThan(1);
    expect(body.r2).toBeGreaterThan(0.6);
    expect(body).toMatchObject({ status: "healthy", healthy: true, source: "live", feedback_count: N });
    expect(body.message).toContain("lower bound");
  });

  it("is unhealthy when the bound excludes the bar, and the cron report carries the same figures", async () => {
    // the ratings flip (1 ↔ 5): errors 2.7–3.4, far past both bars on their bounds
    const flipped = rows.map((row) => ({ ...row, actual: 6 - row.actual }));
    const feedback = await post("/v1/predictions/feedback", {
      feedback: flipped.map((row) => ({ prediction_id: row.id, actual: row.actual })),
    });
    expect(feedback.status).toBe(200);
    const live = await modelHealth();
    expectFigures(live, flipped);
    expect(live.rmse_bounds?.lower).toBeGreaterThan(1);
    expect(live.r2_bounds?.upper).toBeLessThan(0.6);
    expect(live).toMatchObject({ status: "unhealthy", healthy: false, source: "live" });
    expect(live.message).toContain("lower bound");

    await runCron(Date.now());
    const fromReport = await modelHealth();
    expect(fromReport).toMatchObject({ status: "unhealthy", healthy: false, source: "report" });
    expect(fromReport.report_id).toMatch(/^recommender:/);
    // the same labels from the same sums, merged in another order: equal to the last bits of a double
    for (const field of [
      "rmse",
      "r2",
      "mae",
      "mse",
      "feedback_count",
      "rmse_bounds",
      "r2_bounds",
      "baseline_skill",
    ])
      expectClose(fromReport[field as keyof ModelHealth], live[field as keyof ModelHealth], field);
  });
});

/** Deep equality with numbers compared to 1e-12 relative (sums merged in another order differ in the last bits). */
function expectClose(actual: unknown, expected: unknown, path: string): void {
  if (typeof expected === "number" && typeof actual === "number") {
    expect(Math.abs(actual - expected), path).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
    return;
  }
  if (expected && typeof expected === "object" && actual && typeof actual === "object") {
    expect(Object.keys(actual).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected))
      expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
    return;
  }
  expect(actual, path).toEqual(expected);
}
