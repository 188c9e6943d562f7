import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Manifest, manifestSchema } from "../worker/contracts/manifest.ts";
import { seedVersions } from "../worker/data-plane/seed-versions.ts";
import { modelReportSchema } from "../worker/http/schemas/monitoring-view-schemas.ts";
import { clopperPearson, coverageReasons, intervalCoverage } from "../worker/monitoring/interval-coverage.ts";
import type { WindowRow } from "../worker/monitoring/store/window-reader.ts";
import { intervalGroup } from "../worker/tasks/regression.ts";
import { workerClient } from "./support/http.ts";
import { replayRows, runCron, waitForLogged } from "./support/monitoring-helpers.ts";
import { shippedDefaults, shippedVersion } from "./support/shipped-models.ts";

const { get, post } = workerClient("https://edge.test");

/** A Mondrian block as edge_training writes it (the quick offline v4 run of test/mondrian-intervals.test.ts). */
const GROUPS = {
  by: "integer_distance" as const,
  edges: [0.0846, 0.1809, 0.2933, 0.3965],
  calibration_rows: [320, 320, 320, 319, 321],
  levels: [
    { coverage: 0.9, quantiles: [0.98, 0.889, 0.788, 0.688, 0.585] },
    { coverage: 0.95, quantiles: [1.027, 1.098, 0.813, 0.699, 0.596] },
  ],
};
const shipped = shippedVersion("recommender", "v4_xgboost");
const mondrian: Manifest = manifestSchema.parse({
  ...shipped.manifest,
  intervals: { ...shipped.manifest.intervals, groups: GROUPS },
});

interface Cell {
  n: number;
  covered: number;
  coverage: number | null;
  upper_bound: number | null;
  status: string;
}
interface Report {
  status: string;
  reasons: { severity: string; code: string; message: string }[];
  interval_coverage: {
    version: string;
    source: string;
    levels: { level: number; alpha: number; marginal: Cell; groups: Cell[] }[];
  } | null;
}

async function reportAt(windowEnd: number): Promise<Report> {
  const row = await env.DB.prepare(
    "SELECT report FROM health_reports WHERE model = 'recommender' AND window_end = ?",
  )
    .bind(windowEnd)
    .first<{ report: string }>();
  return JSON.parse(row?.report ?? "null") as Report;
}

describe("Clopper–Pearson bounds", () => {
  it("match scipy's beta quantiles", () => {
    // scipy.stats.beta.ppf(1 − α, k + 1, n − k) and beta.ppf(α, k, n − k + 1)
    const cases: [number, number, number, number, number][] = [
      [24, 30, 0.05, 0.6429908854383468, 0.9091259402949787],
      [450, 500, 0.05 / 6, 0.8634533686275689, 0.9296535143678122],
      [0, 10, 0.05, 0, 0.2588655508930522],
      [10, 10, 0.05, 0.7411344491069477, 1],
    ];
    for (const [k, n, alpha, lower, upper] of cases) {
      const bounds = clopperPearson(k, n, alpha);
      expect(bounds.lower).toBeCloseTo(lower, 7);
      expect(bounds.upper).toBeCloseTo(upper, 7);
    }
  });

  it("counts covered rows per level and group from the logged bounds; warns only on the bound", () => {
    const base = { ts: 0, requestId: "r", version: "v4_xgboost", route: "default" as const, inputs: {} };
    const rows: WindowRow[] = Array.from({ length: 60 }, (_, i) => ({
      ...base,
      id: `h${i}`,
      output: 3 + (i % 5) / 10,
      latencyMs: 1,
      colo: null,
      status: "ok" as const,
      // the first 12 miss: 80 % observed at 0.9, upper bound above 0.85 at n = 60 → no warning
      actual: i < 12 ? 5 : 3,
      intervalLevel: 0.9,
      intervalLower: 2,
      intervalUpper: 4,
    }));
    const coverage = intervalCoverage("v4_xgboost", mondrian, rows);
    const level = coverage?.levels[0];
    expect(level?.marginal).toMatchObject({ n: 60, covered: 48, coverage: 0.8, status: "ok" });
    expect(level?.groups?.reduce((sum, group) => sum + group.n, 0)).toBe(60);
    expect(level?.groups?.[intervalGroup(GROUPS, 3)]?.n).toBe(12);
    expect(coverageReasons(coverage, 30)).toEqual([]);
    // every row missing: the bound excludes 0.85 → a warning, but not below min_feedback labels
    const missing = rows.map((row) => ({ ...row, actual: 5 }));
    expect(coverageReasons(intervalCoverage("v4_xgboost", mondrian, missing), 30)[0]).toMatchObject({
      severity: "warning",
      code: "interval_undercoverage",
    });
    expect(coverageReasons(intervalCoverage("v4_xgboost", mondrian, missing), 100)).toEqual([]);
    // rows without a logged interval do not count; a classifier has no coverage block
    expect(
      intervalCoverage(
        "v4_xgboost",
        mondrian,
        rows.map((row) => ({ ...row, intervalLevel: null })),
      ),
    ).toBeNull();
  });
});

describe("the rule's error rates (simulated windows, 5 Mondrian groups, 0.9 intervals)", () => {
  /** Share of 500 windows with a warning: four groups at 0.9, one at `weak`, `perGroup` labels each. */
  function alarmRate(weak: number, perGroup: number): number {
    let state = 12345;
    const uniform = () => {
      // mulberry32
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const base = { ts: 0, requestId: "r", version: "v", route: "default" as const, inputs: {}, latencyMs: 1 };
    const centres = [3, 3.13, 3.24, 3.35, 3.5]; // one output inside each group of GROUPS
    let alarms = 0;
    for (let window = 0; window < 500; window += 1) {
      const rows: WindowRow[] = centres.flatMap((output, group) =>
        Array.from({ length: perGroup }, (_, i) => ({
          ...base,
          id: `${group}-${i}`,
          colo: null,
          status: "ok" as const,
          output,
          actual: uniform() < (group === 4 ? weak : 0.9) ? output : 9,
          intervalLevel: 0.9,
          intervalLower: output - 1,
          intervalUpper: output + 1,
        })),
      );
      if (coverageReasons(intervalCoverage("v", mondrian, rows), 30).length > 0) alarms += 1;
    }
    return alarms / 500;
  }

  it("almost never warns at nominal coverage and catches a collapsed group", () => {
    expect(alarmRate(0.9, 60)).toBeLessThanOrEqual(0.01);
    expect(alarmRate(0.6, 100)).toBeGreaterThanOrEqual(0.95);
    // documented power: a group at 0.75 (15 points under) with 100 labels is caught about half the time
    const partial = alarmRate(0.75, 100);
    expect(partial).toBeGreaterThan(0.3);
    expect(partial).toBeLessThan(0.8);
  });
});

describe("live interval coverage through the queue consumer and the cron", () => {
  const T = Date.now() + 60_000;
  const served: { id: string; value: number; lower: number; upper: number; group: number; actual: number }[] =
    [];

  beforeAll(async () => {
    await seedVersions(env, [{ manifest: mondrian, bytes: shipped.bytes }], shippedDefaults);
    const { rows, actuals } = replayRows("recommender", "101");
    const response = await post("/v1/models/recommender/predict", { instances: rows, interval_level: 0.9 });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      predictions: { id: string; value: number; interval: { lower: number; upper: number; group: number } }[];
    };
    expect(await waitForLogged(body.predictions.map((p) => p.id))).toBe(rows.length);
    for (const [i, p] of body.predictions.slice(0, 400).entries())
      served.push({ id: p.id, value: p.value, ...p.interval, actual: actuals[i] as number });
    const feedback = await post("/v1/predictions/feedback", {
      feedback: served.map((p) => ({ prediction_id: p.id, actual: p.actual })),
    });
    expect(feedback.status).toBe(200);
    await runCron(T);
  });

  it("reports marginal and per-group coverage equal to an independent count of the served intervals", async () => {
    const report = await reportAt(T);
    expect(modelReportSchema.safeParse(report).success).toBe(true);
    const coverage = report.interval_coverage;
    expect(coverage).toMatchObject({ version: "v4_xgboost", source: "logged_bounds" });
    const level = coverage?.levels.find((entry) => entry.level === 0.9);
    const hit = (p: (typeof served)[number]) => p.actual >= p.lower - 1e-6 && p.actual <= p.upper + 1e-6;
    expect(level?.marginal.n).toBe(400);
    expect(level?.marginal.covered).toBe(served.filter(hit).length);
    for (let group = 0; group < 5; group += 1) {
      const inGroup = served.filter((p) => p.group === group);
      expect(level?.groups[group]?.n).toBe(inGroup.length);
      expect(level?.groups[group]?.covered).toBe(inGroup.filter(hit).length);
    }
    const under = [level?.marginal, ...(level?.groups ?? [])].some((cell) => cell?.status === "under");
    expect(report.reasons.some((reason) => reason.code === "interval_undercoverage")).toBe(under);
    // the dashboard data carries the same block, computed from the same logged rows
    const dashboard = (await (await get("/v1/models/recommender/dashboard?range=24h")).json()) as {
      interval_coverage: Report["interval_coverage"];
    };
    expect(dashboard.interval_coverage).toEqual(coverage);
  });

  it("raises a warning when feedback shows the intervals no longer cover, and the report route serves it", async () => {
    // the world moved: every rating two stars off the prediction (clipped), replacing the earlier feedback
    const shifted = served.map((p) => ({ prediction_id: p.id, actual: p.value < 3 ? 5 : 1 }));
    expect((await post("/v1/predictions/feedback", { feedback: shifted })).status).toBe(200);
    const T2 = T + 900_000;
    await runCron(T2);
    const report = await reportAt(T2);
    const reason = report.reasons.find((entry) => entry.code === "interval_undercoverage");
    expect(reason?.severity).toBe("warning");
    expect(report.status).not.toBe("healthy");
    const level = report.interval_coverage?.levels.find((entry) => entry.level === 0.9);
    expect(level?.marginal.status).toBe("under");
    expect(level?.marginal.upper_bound).toBeLessThan(0.85);
    const full = await get(`/v1/models/recommender/reports/${encodeURIComponent(`recommender:${T2}`)}`);
    expect(full.status).toBe(200);
    const body = (await full.json()) as Report;
    expect(body.interval_coverage?.levels[0]?.marginal.status).toBe("under");
  });
});
