/**
 * Issue 9, item 2: the report built from merged summaries agrees with the report built from the same raw rows
 * (test/support/raw-model-report.ts, the pre-summary implementation kept as the oracle): exact figures to 1e-9,
 * binned KS / Wasserstein / AUC within the bound the report states, latency quantiles within the DDSketch's 1 %.
 */
import { describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import type { FeatureDrift } from "../worker/monitoring/feature-drift.ts";
import { buildModelReport, type ModelReport } from "../worker/monitoring/model-report.ts";
import { labelledPerformance } from "../worker/monitoring/performance.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import type { WindowRow } from "../worker/monitoring/store/window-reader.ts";
import { foldRecords, type KeyedSummary } from "../worker/monitoring/summary/fold.ts";
import { labelledDelta } from "../worker/monitoring/summary/labelled.ts";
import { mergeSummaries } from "../worker/monitoring/summary/merge.ts";
import {
  emptySummary,
  FINE_BUCKET_MS,
  fineKey,
  type Summary,
  summaryKeyId,
} from "../worker/monitoring/summary/summary.ts";
import { effectiveThresholds } from "../worker/repository/effective-thresholds.ts";
import type { ModelRecord } from "../worker/repository/registry-types.ts";
import { taskOf } from "../worker/tasks/index.ts";
import { predictionRecord, replayRows } from "./support/monitoring-helpers.ts";
import { buildRawModelReport, type RawModelReport } from "./support/raw-model-report.ts";
import { shippedVersion } from "./support/shipped-models.ts";

function noise(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);
const WINDOW_END = T0 + 24 * 3_600_000;

/** Agreement of an exact figure: relative 1e-9 (absolute below 1). */
const exact = (actual: number | null | undefined, expected: number | null | undefined, what: string) => {
  if (expected === null || expected === undefined) {
    expect(actual ?? null, what).toBeNull();
    return;
  }
  expect(typeof actual, what).toBe("number");
  expect(Math.abs((actual as number) - expected), what).toBeLessThanOrEqual(
    1e-9 * Math.max(1, Math.abs(expected)),
  );
};

interface Scenario {
  manifest: Manifest;
  /** A second version (the same manifest renamed): the A/B arm and shadow. */
  other: Manifest;
  records: PredictionRecord[];
  actuals: Map<string, number>;
}

/**
 * Replay rows of `model` as logged records over 24 h: routes default / ab (two arms) / shadow, batch requests,
 * errors, colos, missing inputs, labels for two thirds of the rows; regression rows carry intervals.
 */
function scenario(model: "recommender" | "kredipusula" | "kredipusula_risk", seeds: string[]): Scenario {
  const manifest = shippedVersion(model).manifest;
  const other = { ...manifest, version: `${manifest.version}_b` } as Manifest;
  const random = noise(model.length);
  const records: PredictionRecord[] = [];
  const actuals = new Map<string, number>();
  const classes = manifest.output.classes ?? [];
  const requestTimes = new Map<string, number>();
  // one colo per request (some without: colo "unknown")
  const requestColo = (request: string) => [null, "FRA", "AMS", "IST", "FRA"][request.length % 5] ?? null;
  for (const seed of seeds) {
    const replay = replayRows(model === "recommender" ? "recommender" : "kredipusula", seed);
    replay.rows.forEach((row, i) => {
      const index = records.length;
      const error = index % 89 === 7;
      const route = (["default", "default", "ab", "shadow"] as const)[index % 4] ?? "default";
      const version =
        route === "shadow" || (route === "ab" && index % 8 === 2) ? other.version : manifest.version;
      let output: number | null = null;
      let label: string | null = null;
      let probabilities: number[] | null = null;
      let interval: PredictionRecord["interval"] = null;
      let actual: number | null = null;
      if (manifest.task === "regression") {
        output = Math.min(5, Math.max(1, (replay.actuals[i] as number) + (random() - 0.5) * 2.5));
        actual = replay.actuals[i] as number;
        const level = index % 2 ? 0.9 : 0.8;
        const width = 0.4 + random() * 1.2;
        if (index % 3 !== 0) interval = { level, lower: output - width, upper: output + width };
      } else if (manifest.task === "binary_classification") {
        const y = (replay.actuals[i] as number) >= 0.5 ? 1 : 0;
        output = Math.min(1, Math.max(0, 0.5 + (y ? 0.15 : -0.15) + (random() - 0.5) * 0.8));
        label = output >= (manifest.output.threshold ?? 0.5) ? "approve" : "reject";
        actual = y;
      } else {
        const raw = classes.map(() => random() + 0.05);
        const y = Math.floor(random() * classes.length);
        raw[y] = (raw[y] as number) + 0.6;
        const sum = raw.reduce((s, p) => s + p, 0);
        probabilities = raw.map((p) => p / sum);
        const best = probabilities.indexOf(Math.max(...probabilities));
        output = probabilities[best] as number;
        label = classes[best] ?? null;
        actual = y;
      }
      const id = `${model}-${index}`;
      // a batch request's rows share its id and time (1–3 rows per request)
      const request = `${model}-q-${Math.floor(index / (1 + (index % 3)))}-${route}-${version}`;
      const ts = requestTimes.get(request) ?? T0 + Math.floor(random() * 24 * 3_600_000);
      requestTimes.set(request, ts);
      records.push(
        predictionRecord(id, {
          ts,
          request_id: request,
          model: manifest.model,
          version,
          route,
          inputs: index % 37 === 5 ? { ...row, [manifest.features[0]?.name ?? "x"]: null } : row,
          output: error ? null : output,
          label: error ? null : label,
          probabilities: error ? null : probabilities,
          interval: error ? null : interval,
          latency_ms: 0.5 + random() ** 3 * 400,
          colo: requestColo(request),
          status: error ? "error" : "ok",
          error: error ? "boom" : null,
        }),
      );
      if (!error && index % 3 !== 1 && actual !== null) actuals.set(id, actual);
    });
  }
  return { manifest, other, records, actuals };
}

/** The summaries the consumer and feedback would write: the fold, plus each label's delta in its prediction's key. */
function summariesOf({ manifest, other, records, actuals }: Scenario): KeyedSummary[] {
  const manifests = new Map([
    [manifest.version, manifest],
    [other.version, other],
  ]);
  const folded = foldRecords(records, (_, version) => manifests.get(version));
  for (const record of records) {
    const actual = actuals.get(record.id);
    if (actual === undefined || record.output === null) continue;
    const versionManifest = manifests.get(record.version) as Manifest;
    const labelled = labelledDelta(
      versionManifest,
      { output: record.output, probabilities: record.probabilities, interval: record.interval },
      actual,
    );
    if (!labelled) continue;
    const key = fineKey(record.model, record.version, record.route, record.ts);
    const id = summaryKeyId(key);
    const entry = folded.get(id) ?? { key, summary: emptySummary() };
    folded.set(id, { key, summary: mergeSummaries(entry.summary, { ...emptySummary(), labelled }) });
  }
  return [...folded.values()];
}

/** The same records as the raw report read them (a WindowRow with its feedback). */
function windowRows({ records, actuals }: Scenario): WindowRow[] {
  return records.map((record) => ({
    id: record.id,
    ts: record.ts,
    requestId: record.request_id,
    version: record.version,
    route: record.route,
    inputs: record.inputs,
    output: record.output,
    label: record.label,
    probabilities: record.probabilities ?? null,
    intervalLevel: record.interval?.level ?? null,
    intervalLower: record.interval?.lower ?? null,
    intervalUpper: record.interval?.upper ?? null,
    latencyMs: record.latency_ms,
    colo: record.colo,
    status: record.status,
    actual: actuals.get(record.id) ?? null,
  }));
}

function reports(
  current: Scenario,
  thresholds: Record<string, unknown> = {},
): { fromSummaries: ModelReport; raw: RawModelReport; rows: WindowRow[] } {
  const { manifest, other } = current;
  const record = {
    name: manifest.model,
    default: manifest.version,
    traffic: { weights: { [manifest.version]: 0.75, [other.version]: 0.25 }, shadow: [other.version] },
    thresholds,
  } as unknown as ModelRecord;
  const effective = { ...record, thresholds: effectiveThresholds(record, manifest) };
  const manifests = new Map([
    [manifest.version, manifest],
    [other.version, other],
  ]);
  const rows = windowRows(current);
  const common = {
    record: effective,
    manifests,
    windowStart: T0,
    windowEnd: WINDOW_END,
    generatedAt: WINDOW_END,
  };
  const fromSummaries = buildModelReport({ ...common, summaries: summariesOf(current), sample: rows });
  const raw = buildRawModelReport({ ...common, rows, totalRows: rows.length });
  return { fromSummaries, raw, rows };
}

/** Per-request latencies of some rows (max over a request's rows), sorted. */
function requestLatencies(rows: readonly WindowRow[]): number[] {
  const byRequest = new Map<string, number>();
  for (const row of rows)
    byRequest.set(row.requestId, Math.max(byRequest.get(row.requestId) ?? 0, row.latencyMs));
  return [...byRequest.values()].sort((a, b) => a - b);
}

function checkOps(fromSummaries: ModelReport, raw: RawModelReport, rows: readonly WindowRow[]) {
  const groups = ["by_version", "by_route", "by_arm", "by_colo"] as const;
  const pairs: [string, ModelReport["ops"]["total"], RawModelReport["ops"]["total"]][] = [
    ["total", fromSummaries.ops.total, raw.ops.total],
  ];
  for (const group of groups) {
    expect(Object.keys(fromSummaries.ops[group]).sort(), group).toEqual(Object.keys(raw.ops[group]).sort());
    for (const [name, metrics] of Object.entries(raw.ops[group]))
      pairs.push([`${group}.${name}`, fromSummaries.ops[group][name] as typeof metrics, metrics]);
  }
  for (const [name, got, want] of pairs) {
    expect(got.requests, name).toBe(want.requests);
    expect(got.errors, name).toBe(want.errors);
    expect(got.rows, name).toBe(want.rows);
    exact(got.error_rate, want.error_rate, `${name}.error_rate`);
  }
  // Latency: DDSketch at 1 % relative accuracy, its rank rule vs numpy's interpolation between two order
  // statistics: the sketch's value lies within 1 % of [x_⌊q(n−1)⌋, x_⌈q(n−1)⌉].
  const served = requestLatencies(rows.filter((row) => row.route !== "shadow"));
  expect(fromSummaries.ops.latency_relative_accuracy).toBe(0.01);
  for (const [q, key] of [
    [0.5, "p50"],
    [0.95, "p95"],
    [0.99, "p99"],
  ] as const) {
    const position = q * (served.length - 1);
    const low = served[Math.floor(position)] as number;
    const high = served[Math.ceil(position)] as number;
    const got = fromSummaries.ops.total.latency_ms[key] as number;
    expect(got, key).toBeGreaterThanOrEqual(low * 0.99 - 1e-9);
    expect(got, key).toBeLessThanOrEqual(high * 1.01 + 1e-9);
    const wanted = raw.ops.total.latency_ms[key] as number;
    expect(Math.abs(got - wanted), key).toBeLessThanOrEqual(0.01 * high + (high - low));
  }
}

/** One feature's (or prediction's) drift: exact where the method reads the bins, within the bound where not. */
function checkDrift(name: string, got: FeatureDrift, want: FeatureDrift) {
  expect(got.n, name).toBe(want.n);
  expect(got.test, name).toBe(want.test);
  exact(got.psi, want.psi, `${name}.psi`);
  exact(got.psi_adjusted, want.psi_adjusted, `${name}.psi_adjusted`);
  if (got.effect_bounds) {
    // numeric: the effect's W² is the binned Wasserstein estimate; the raw effect lies within the stated bounds
    expect(want.effect as number, `${name}.effect ≥`).toBeGreaterThanOrEqual(got.effect_bounds.lower - 1e-12);
    expect(want.effect as number, `${name}.effect ≤`).toBeLessThanOrEqual(got.effect_bounds.upper + 1e-12);
  }
  if (got.type === "numeric") exact(got.mean ?? null, want.mean ?? null, `${name}.mean`);
  if (got.statistic_bounds) {
    // binned KS / Wasserstein: the exact statistic of the rows lies within the stated bounds
    const bounds = got.statistic_bounds;
    expect(want.statistic, name).not.toBeNull();
    expect(want.statistic as number, `${name} ≥ lower`).toBeGreaterThanOrEqual(bounds.lower - 1e-12);
    expect(want.statistic as number, `${name} ≤ upper`).toBeLessThanOrEqual(
      (bounds.upper ?? Infinity) + 1e-12,
    );
    return;
  }
  exact(got.statistic, want.statistic, `${name}.statistic`);
  if (got.type === "numeric" || !(got.unseen_share ?? 0)) {
    exact(got.p_value, want.p_value, `${name}.p_value`);
    if (!got.effect_bounds) exact(got.effect, want.effect, `${name}.effect`);
    expect(got.status, name).toBe(want.status);
  }
  if (got.id_coverage && want.id_coverage) {
    exact(got.id_coverage.seen_row_share, want.id_coverage.seen_row_share, `${name}.seen_row_share`);
    exact(
      got.id_coverage.active_reference_share,
      want.id_coverage.active_reference_share,
      `${name}.active_reference_share`,
    );
  }
}

function checkPerformance(
  task: string,
  got: Record<string, unknown> | null,
  want: Record<string, unknown> | null,
) {
  expect(got === null, "performance present").toBe(want === null);
  if (!got || !want) return;
  for (const [key, value] of Object.entries(want)) {
    if (typeof value === "number" && key !== "auc") exact(got[key] as number, value, `${task}.${key}`);
  }
  if (task === "binary_classification") {
    const binning = got.auc_binning as { max_error: number };
    expect(Math.abs((got.auc as number) - (want.auc as number))).toBeLessThanOrEqual(
      binning.max_error + 1e-12,
    );
    expect(binning.max_error).toBeLessThan(0.01);
  }
  if (task === "regression") {
    // the bounds are rounded to 6 significant digits by both: agreement to the rounding unit
    for (const bound of ["rmse_bounds", "r2_bounds"] as const) {
      const g = got[bound] as { lower: number; upper: number };
      const w = want[bound] as { lower: number; upper: number };
      expect(Math.abs(g.lower - w.lower), bound).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w.lower)));
      expect(Math.abs(g.upper - w.upper), bound).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w.upper)));
    }
    expect(got.baseline_skill).toEqual(want.baseline_skill);
  }
  if (task === "multiclass_classification") {
    const per = (metrics: Record<string, unknown>) =>
      metrics.per_class as Record<string, Record<string, unknown>>;
    for (const [name, metrics] of Object.entries(per(want))) {
      for (const [key, value] of Object.entries(metrics))
        if (typeof value === "number") exact(per(got)[name]?.[key] as number, value, `${name}.${key}`);
      expect((per(got)[name]?.reliability as unknown[] | undefined)?.length).toBe(
        (metrics.reliability as unknown[]).length,
      );
    }
  }
}

describe("the report from summaries agrees with the report from the same rows", () => {
  for (const [model, seeds] of [
    ["recommender", ["101", "102", "103", "104", "101", "102"]],
    ["kredipusula", ["201", "202", "201", "202", "201", "202"]],
    ["kredipusula_risk", ["201", "202", "201", "202"]],
  ] as const) {
    it(`${model}: ops, drift, prediction drift, performance, coverage and A/B`, () => {
      const current = scenario(model, [...seeds]);
      const { fromSummaries, raw, rows } = reports(current);
      const task = taskOf(current.manifest).name;
      expect(fromSummaries.rows).toMatchObject({ total: rows.length, analyzed: rows.length, sampled: false });
      expect(rows.length).toBeGreaterThan(1000);
      expect(new Set(rows.map((row) => Math.floor(row.ts / FINE_BUCKET_MS))).size).toBeGreaterThan(100);
      checkOps(fromSummaries, raw, rows);

      expect(fromSummaries.drift?.rows).toBe(raw.drift?.rows);
      for (const [name, want] of Object.entries(raw.drift?.features ?? {}))
        checkDrift(name, fromSummaries.drift?.features[name] as FeatureDrift, want);
      expect(Object.keys(fromSummaries.prediction_drift).sort()).toEqual(
        Object.keys(raw.prediction_drift).sort(),
      );
      for (const [version, want] of Object.entries(raw.prediction_drift))
        checkDrift(`prediction ${version}`, fromSummaries.prediction_drift[version] as FeatureDrift, want);

      expect(fromSummaries.performance.feedback_count).toBe(raw.performance.feedback_count);
      expect(fromSummaries.performance.feedback_count_total).toBe(raw.performance.feedback_count_total);
      expect(Object.keys(fromSummaries.performance.by_version).sort()).toEqual(
        Object.keys(raw.performance.by_version).sort(),
      );
      for (const [version, want] of Object.entries(raw.performance.by_version))
        checkPerformance(
          task,
          fromSummaries.performance.by_version[version] as Record<string, unknown> | null,
          want as Record<string, unknown> | null,
        );

      // interval coverage: counts, so every cell is identical
      expect(fromSummaries.interval_coverage).toEqual(raw.interval_coverage);
      if (task === "regression") expect(fromSummaries.interval_coverage?.levels.length).toBe(2);

      expect(fromSummaries.ab?.control).toBe(raw.ab?.control);
      for (const want of raw.ab?.arms ?? []) {
        const got = fromSummaries.ab?.arms.find((arm) => arm.version === want.version);
        expect(got?.requests, want.version).toBe(want.requests);
        expect(got?.rows, want.version).toBe(want.rows);
        expect(got?.feedback, want.version).toBe(want.feedback);
        expect(got?.verdict, want.version).toBe(want.verdict);
        exact(got?.value, want.value, `${want.version}.value`);
        exact(got?.test?.statistic, want.test?.statistic, `${want.version}.statistic`);
        exact(got?.test?.p_value, want.test?.p_value, `${want.version}.p_value`);
      }
      expect(fromSummaries.status).toBe(raw.status);

      // the comparison is not vacuous: every feature judged, labels in every served version, two A/B arms tested
      expect(Object.keys(fromSummaries.drift?.features ?? {}).length).toBe(current.manifest.features.length);
      expect(fromSummaries.drift?.evaluated_features).toBe(current.manifest.features.length);
      const bounded = Object.values(fromSummaries.drift?.features ?? {}).filter(
        (entry) => entry.statistic_bounds,
      );
      // numeric features read from bins carry bounds; ids with an id_reference are judged as categories (exact)
      const ids = new Set(Object.keys(current.manifest.training.id_reference ?? {}));
      expect(bounded.length).toBe(
        Object.entries(current.manifest.reference.features).filter(
          ([name, reference]) => reference.type === "numeric" && !ids.has(name),
        ).length,
      );
      expect(fromSummaries.performance.default?.n).toBeGreaterThan(300);
      expect(fromSummaries.ab?.arms.length).toBe(2);
      expect(fromSummaries.ab?.arms.some((arm) => arm.test !== null)).toBe(true);
      for (const [name, entry] of Object.entries(fromSummaries.drift?.features ?? {}))
        if (entry.statistic_bounds)
          console.log(
            `${model} ${name}: ${entry.test} exact ${raw.drift?.features[name]?.statistic?.toFixed(4)} binned ${entry.statistic?.toFixed(4)} in [${entry.statistic_bounds.lower.toFixed(4)}, ${entry.statistic_bounds.upper?.toFixed(4)}]`,
          );
    });
  }
});

describe("performance from sufficient statistics", () => {
  it("regression of large targets (prices ~1e5, the version's prediction mean as shift): figures and bounds equal the rows'", () => {
    const base = shippedVersion("recommender").manifest;
    const manifest = {
      ...base,
      intervals: undefined,
      reference: { ...base.reference, prediction: { ...base.reference.prediction, mean: 100_007 } },
    } as unknown as Manifest;
    const random = noise(3);
    const rows = Array.from({ length: 3000 }, () => {
      const actual = 100_000 + 400 * (random() - 0.5);
      return { output: actual + 30 * (random() - 0.3) + 0.2 * (actual - 100_000), actual };
    });
    // deltas folded bucket by bucket, then merged, as the report reads them
    const summaries = rows.map(
      (row): Summary => ({
        ...emptySummary(),
        labelled: labelledDelta(manifest, { output: row.output }, row.actual) ?? undefined,
      }),
    );
    const merged = summaries.reduce((a, b) => mergeSummaries(a, b));
    const fromSums = labelledPerformance(merged.labelled) as unknown as Record<string, unknown>;
    const fromRows = taskOf(manifest).performance(manifest, rows) as unknown as Record<string, unknown>;
    for (const key of ["n", "mae", "mse", "rmse", "r2"])
      exact(fromSums[key] as number, fromRows[key] as number, key);
    expect(fromSums.rmse_bounds).toEqual(fromRows.rmse_bounds);
    const bounds = (value: unknown) => value as { lower: number; upper: number };
    expect(Math.abs(bounds(fromSums.r2_bounds).lower - bounds(fromRows.r2_bounds).lower)).toBeLessThanOrEqual(
      1e-6,
    );
    expect(Math.abs(bounds(fromSums.r2_bounds).upper - bounds(fromRows.r2_bounds).upper)).toBeLessThanOrEqual(
      1e-6,
    );
  });

  it("a binned AUC's max error widens the verdict's bound: an AUC just under the bar is inconclusive, not failing", () => {
    const manifest = shippedVersion("kredipusula").manifest;
    const task = taskOf(manifest);
    const metrics = { n: 4000, positives: 2000, auc: 0.69, accuracy: 0.6, brier: 0.2, log_loss: 0.6 };
    const exactVerdict = task.performanceReasons(metrics, { auc_min: 0.72 });
    expect(exactVerdict[0]?.code).toBe("auc_below_min");
    const binned = task.performanceReasons(
      { ...metrics, auc_binning: { bins: 100, max_error: 0.02 } } as typeof metrics,
      {
        auc_min: 0.72,
      },
    );
    expect(binned[0]?.code).toBe("auc_below_min_inconclusive");
  });
});

describe("every drift method's binned form against its raw form on the same rows", () => {
  for (const [numeric, category] of [
    ["wasserstein", "jensen_shannon"],
    ["psi", "psi"],
    ["jensen_shannon", "chi_square"],
  ] as const) {
    it(`numeric ${numeric}, category ${category}`, () => {
      const current = scenario("recommender", ["101", "102", "103", "104"]);
      const drift_methods = {
        numeric: { method: numeric },
        category: { method: category },
        prediction: { method: numeric },
      };
      const { fromSummaries, raw } = reports(current, { drift_methods });
      for (const [name, want] of Object.entries(raw.drift?.features ?? {})) {
        const got = fromSummaries.drift?.features[name] as FeatureDrift;
        expect(got.test, name).toBe(want.test);
        checkDrift(name, got, want);
        if (got.statistic_bounds) expect(got.test).toBe("wasserstein");
      }
      for (const [version, want] of Object.entries(raw.prediction_drift))
        checkDrift(`prediction ${version}`, fromSummaries.prediction_drift[version] as FeatureDrift, want);
    });
  }
});
