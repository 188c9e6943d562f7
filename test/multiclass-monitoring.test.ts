/**
 * Multiclass classification on the monitoring side, in workerd, with the shipped kredipusula_risk: predictions
 * logged through the real queue consumer (with every class probability), feedback with the true class, the
 * real cron's report (accuracy, macro-F1, log loss, per-class calibration; prediction drift over the
 * predicted classes through the drift method registry), and the dashboard's data for the model.
 */
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { seedVersions } from "../worker/data-plane/seed-versions.ts";
import worker from "../worker/index.ts";
import { validateRows } from "../worker/inference/feature-validation.ts";
import { withModelSession } from "../worker/inference/model-sessions.ts";
import { predictRows } from "../worker/inference/predictor.ts";
import { randomRows } from "../worker/inference/random-rows.ts";
import { twoSampleChiSquare } from "../worker/monitoring/drift/two-sample-chi-square.ts";
import type { FeatureDrift } from "../worker/monitoring/feature-drift.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { feedbackKey } from "../worker/monitoring/store/feedback-store.ts";
import { type MulticlassMetrics, multiclassMetrics } from "../worker/tasks/metrics/multiclass-metrics.ts";
import { workerClient } from "./support/http.ts";
import { runCron, waitForLogged } from "./support/monitoring-helpers.ts";
import { shippedVersion } from "./support/shipped-models.ts";

// The shipped multiclass model: KrediPusula applicants scored into four risk tiers.
const { manifest, bytes } = shippedVersion("kredipusula_risk");
const MODEL = manifest.model;
const CLASSES = manifest.output.classes ?? [];
const HOUR = 3_600_000;
const { get, post } = workerClient();

interface RowView {
  id: string;
  label: string;
  probability: number;
  probabilities: Record<string, number>;
}

interface ReportBody {
  task: string;
  performance: { feedback_count: number; default: MulticlassMetrics | null };
  prediction_drift: Record<string, FeatureDrift>;
  reasons: { code: string }[];
}
interface DashboardBody {
  task: string;
  prediction: {
    test: string;
    distribution: { labels: string[]; reference: number[]; current: number[] };
    series: { t: number; n: number; proportions: Record<string, number> }[];
  };
  performance: {
    kind: string;
    metric: string;
    classes: string[];
    metrics: Omit<MulticlassMetrics, "per_class" | "classes"> | null;
    per_class: MulticlassMetrics["per_class"];
  };
}

interface Window {
  end: number;
  predictions: RowView[];
  /** True class index of the labelled predictions, by prediction id. */
  actuals: Map<string, number>;
}

/**
 * Prediction records of rows the model puts in one class (scored in-process, so nothing is logged by serving),
 * stamped at `ts`: a window whose predicted classes have drifted, handed to the real queue consumer.
 */
async function recordsPredictedAs(className: string, count: number, ts: number): Promise<PredictionRecord[]> {
  const candidates = plainRows(randomRows(manifest, 6000, 7));
  const validation = validateRows(manifest, candidates, (row, name) => `rows[${row}].${name}`);
  expect(validation.errors).toEqual([]);
  const scored = await withModelSession(env.ARTIFACTS, manifest, (session) =>
    predictRows(session, manifest, validation.rows),
  );
  const chosen = scored.flatMap((prediction, i) =>
    prediction.label === className ? [{ prediction, i }] : [],
  );
  expect(chosen.length).toBeGreaterThanOrEqual(count);
  return chosen.slice(0, count).map(({ prediction, i }, k) => ({
    id: `drifted-${k}`,
    ts: ts + k,
    request_id: `drifted-request-${k}`,
    model: MODEL,
    version: manifest.version,
    route: "default",
    subject_hash: null,
    inputs: candidates[i] as Record<string, unknown>,
    output: prediction.output,
    label: String(prediction.label),
    probabilities: prediction.probabilities ?? null,
    interval: null,
    latency_ms: 1,
    colo: null,
    country: null,
    key_id: null,
    status: "ok",
    error: null,
  }));
}

const plainRows = (rows: Record<string, unknown>[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== undefined)));

/** Predicts rows, waits for the queue consumer to log them, gives feedback on `labelled` of them, runs the cron. */
async function servedWindow(
  rows: Record<string, unknown>[],
  labelled: number,
  end: number,
  truth: (prediction: RowView, index: number) => string,
): Promise<Window> {
  const response = await post(`/v1/models/${MODEL}/predict`, { instances: rows });
  expect(response.status).toBe(200);
  const { predictions } = (await response.json()) as { predictions: RowView[] };
  expect(await waitForLogged(predictions.map((p) => p.id))).toBe(rows.length);
  const actuals = new Map<string, number>();
  const feedback = predictions.slice(0, labelled).map((prediction, i) => {
    const actual = truth(prediction, i);
    actuals.set(prediction.id, CLASSES.indexOf(actual));
    return { prediction_id: prediction.id, actual };
  });
  const recorded = await post("/v1/predictions/feedback", { feedback });
  expect(recorded.status).toBe(200);
  await runCron(end);
  return { end, predictions, actuals };
}

async function storedReport(end: number) {
  const row = await env.DB.prepare("SELECT id, report FROM health_reports WHERE model = ? AND window_end = ?")
    .bind(MODEL, end)
    .first<{ id: string; report: string }>();
  expect(row).not.toBeNull();
  const viaApi = await get(`/v1/models/${MODEL}/reports/${encodeURIComponent(row?.id ?? "")}`);
  expect(viaApi.status).toBe(200);
  const report = (await viaApi.json()) as ReportBody;
  expect(report).toEqual(JSON.parse(row?.report ?? "{}"));
  return report;
}

/** The true class: the predicted one for 3 rows in 4, else the next class (a known, imperfect model). */
const mostlyRight = (prediction: RowView, index: number) =>
  index % 4 === 3
    ? (CLASSES[(CLASSES.indexOf(prediction.label) + 1) % CLASSES.length] as string)
    : prediction.label;

let steady: Window;
let driftedEnd = 0;

beforeAll(async () => {
  await seedVersions(env, [{ manifest, bytes }], { [MODEL]: manifest.version });
  // Two disjoint 24 h windows: served reference-like traffic now, then (30 h later) traffic in one class only.
  const now = Date.now();
  steady = await servedWindow(plainRows(randomRows(manifest, 400, 11)), 240, now + HOUR, mostlyRight);
  const records = await recordsPredictedAs("decline", 120, now + 30 * HOUR);
  const batch = createMessageBatch<PredictionRecord[]>("edge-inference-prediction-log", [
    { id: "drifted", timestamp: new Date(), attempts: 1, body: records },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env);
  expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["drifted"]);
  driftedEnd = now + 31 * HOUR;
  await runCron(driftedEnd);
});

describe("multiclass predictions in the log", () => {
  it("keep the predicted class, its probability and every class probability in class order", async () => {
    const sample = steady.predictions[0] as RowView;
    const row = await env.DB.prepare(
      "SELECT label, output, probabilities, status FROM predictions WHERE id = ?",
    )
      .bind(sample.id)
      .first<{ label: string; output: number; probabilities: string; status: string }>();
    expect(row).toMatchObject({ label: sample.label, output: sample.probability, status: "ok" });
    expect(JSON.parse(row?.probabilities ?? "null")).toEqual(
      CLASSES.map((name) => sample.probabilities[name]),
    );
    const stored = await env.DB.prepare("SELECT actual FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(sample.id))
      .first<{ actual: number }>();
    expect(stored?.actual).toBe(CLASSES.indexOf(sample.label));
  });
});

describe("the cron's report of a multiclass model", () => {
  it("holds accuracy, macro-F1, log loss, Brier and per-class calibration equal to the metrics of the served rows", async () => {
    const report = await storedReport(steady.end);
    expect(report.task).toBe("multiclass_classification");
    const labelled = steady.predictions.filter((p) => steady.actuals.has(p.id));
    const expected = multiclassMetrics(
      labelled.map((p) => CLASSES.map((name) => p.probabilities[name] as number)),
      labelled.map((p) => steady.actuals.get(p.id) as number),
      CLASSES,
    );
    const performance = report.performance.default as MulticlassMetrics;
    expect(report.performance.feedback_count).toBe(240);
    expect(performance.n).toBe(240);
    expect(performance.accuracy).toBe(0.75);
    for (const key of ["accuracy", "macro_f1", "log_loss", "brier", "ece_macro"] as const) {
      expect(performance[key]).toBeCloseTo(expected?.[key] as number, 12);
    }
    expect(Object.keys(performance.per_class)).toEqual(CLASSES);
    for (const name of CLASSES) {
      const entry = performance.per_class[name] as MulticlassMetrics["per_class"][string];
      const wanted = expected?.per_class[name];
      expect(entry.support).toBe(wanted?.support);
      expect(entry.f1).toBeCloseTo(wanted?.f1 as number, 12);
      expect(entry.ece).toBeCloseTo(wanted?.ece as number, 12);
      expect(entry.reliability.map((bin: { count: number }) => bin.count)).toEqual(
        wanted?.reliability.map((bin) => bin.count),
      );
      expect(entry.reliability.reduce((sum: number, bin: { count: number }) => sum + bin.count, 0)).toBe(240);
    }
  });

  it("judges prediction drift over the predicted classes with chi-square against the reference proportions", async () => {
    const report = await storedReport(steady.end);
    const drift = report.prediction_drift[manifest.version] as FeatureDrift;
    const counts = new Map<string, number>();
    for (const p of steady.predictions) counts.set(p.label, (counts.get(p.label) ?? 0) + 1);
    const reference = manifest.reference.prediction_classes?.proportions ?? {};
    // Two-sample since issue 12 (the reference is a sample of reference.rows, not exact proportions).
    const chi = twoSampleChiSquare(counts, reference, manifest.reference.rows);
    expect(drift).toMatchObject({ type: "category", test: "chi_square", n: 400 });
    expect(drift.statistic).toBeCloseTo(chi.statistic, 9);
    expect(drift.p_value).toBeCloseTo(chi.p_value, 12);
    for (const [name, count] of counts) expect(drift.proportions?.[name]).toBeCloseTo(count / 400, 12);
  });

  it("flags drift when the served traffic falls into one class", async () => {
    const report = await storedReport(driftedEnd);
    const drift = report.prediction_drift[manifest.version] as FeatureDrift;
    expect(drift).toMatchObject({ type: "category", n: 120, status: "drift", significant: true });
    expect(drift.proportions).toEqual({ decline: 1 });
    expect(report.performance.default).toBeNull();
    expect(report.reasons.map((reason: { code: string }) => reason.code)).toContain("prediction_drift");
  });
});

describe("the dashboard of a multiclass model", () => {
  it("serves the class distribution against the reference and the multiclass performance panel", async () => {
    const response = await get(`/v1/models/${MODEL}/dashboard?range=7d`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as DashboardBody;
    expect(body.task).toBe("multiclass_classification");
    const prediction = body.prediction;
    expect(prediction.test).toBe("chi_square");
    expect(prediction.distribution.labels).toEqual([...CLASSES].sort());
    const reference = manifest.reference.prediction_classes?.proportions ?? {};
    expect(prediction.distribution.reference).toEqual(
      prediction.distribution.labels.map((name: string) => reference[name]),
    );
    expect(prediction.series.length).toBeGreaterThan(0);
    for (const point of prediction.series) {
      const shares = Object.values(point.proportions as Record<string, number>);
      expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
    }
    const panel = body.performance;
    expect(panel).toMatchObject({ kind: "multiclass", metric: "accuracy", classes: CLASSES });
    expect(panel.metrics).toMatchObject({ n: 240, accuracy: 0.75 });
    expect(Object.keys(panel.per_class)).toEqual(CLASSES);
    expect(panel.per_class.low?.reliability.length).toBeGreaterThan(0);
  });
});
