import { describe, expect, it } from "vitest";
import creditJson from "../models/kredipusula/v2_gbm/manifest.json";
import recommenderJson from "../models/recommender/v3_rf_tuned/manifest.json";
import { type Manifest, manifestSchema } from "../worker/contracts/manifest.ts";
import { defaultThresholds } from "../worker/repository/default-thresholds.ts";
import { binaryClassification } from "../worker/tasks/binary-classification.ts";
import {
  ACTUAL_DESCRIPTION,
  type IdentifiedPrediction,
  PERFORMANCE_BARS_REQUEST_SHAPE,
  ROW_VIEW_SHAPE,
  TASK_LIST,
  taskNamed,
  taskOf,
} from "../worker/tasks/index.ts";
import { regression as regressionTask } from "../worker/tasks/regression.ts";
import { TASKS } from "../worker/vocabulary/index.ts";

// The shipped manifests: regression (ratings clipped to 1–5, conformal intervals at 0.9 and 0.95) and binary
// classification ([N, 2] probabilities, positive column 1), its threshold pinned at 0.55 here (the value the cases
// below are written for; training's threshold policy may move the shipped one).
const recommender: Manifest = manifestSchema.parse(recommenderJson);
/** The same manifest with only the seed's marginal block (as manifests trained before the Mondrian block). */
const withoutMondrian = (manifest: Manifest): Manifest => {
  const { groups: _groups, prediction_sets: _sets, ...marginal } = manifest.intervals ?? { levels: [] };
  return { ...manifest, intervals: marginal as Manifest["intervals"] };
};
const shippedCredit: Manifest = manifestSchema.parse(creditJson);
const credit: Manifest = { ...shippedCredit, output: { ...shippedCredit.output, threshold: 0.55 } };
const regression = regressionTask;
const binary = binaryClassification;

const served = (id: string, fields: Omit<IdentifiedPrediction, "id">): IdentifiedPrediction => ({
  id,
  ...fields,
});

describe("task registry", () => {
  it("has one task object per task name, found from a manifest", () => {
    for (const name of TASKS) expect(taskNamed(name).name).toBe(name);
    expect(TASK_LIST.map((task) => task.name)).toEqual([...TASKS]);
    expect(taskOf(recommender)).toBe(regressionTask);
    expect(taskOf(credit)).toBe(binaryClassification);
  });

  it("merges the tasks' members in the order the OpenAPI document had them", () => {
    expect(Object.keys(ROW_VIEW_SHAPE).slice(0, 4)).toEqual(["value", "interval", "probability", "label"]);
    expect(Object.keys(PERFORMANCE_BARS_REQUEST_SHAPE).slice(0, 3)).toEqual([
      "rmse_max",
      "r2_min",
      "auc_min",
    ]);
    expect(ACTUAL_DESCRIPTION).toMatch(
      /^Ground truth: a number for regression \(inside the model's clip range\); 0\/1, true\/false or the model's label for classification/,
    );
  });
});

describe("regression task", () => {
  it("clips the value, keeps the raw number and attaches the seed's interval without a Mondrian block", () => {
    // The seed's rule, exact for manifests without intervals.groups: raw ± the marginal quantile, clipped.
    const seedOnly = withoutMondrian(recommender);
    const rows = regression.readPredictions(
      seedOnly,
      { data: new Float32Array([3.5, 5.6, 0.2]), dims: [3, 1] },
      0.9,
    );
    expect(rows.map((row) => row.raw)).toEqual([3.5, Math.fround(5.6), Math.fround(0.2)]);
    expect(rows.map((row) => row.output)).toEqual([3.5, 5, 1]);
    expect(rows[0]?.label).toBeNull();
    expect(rows[0]?.interval).toEqual({ level: 0.9, lower: 3.5 - 0.9644999504, upper: 3.5 + 0.9644999504 });
    expect(rows[1]?.interval).toEqual({ level: 0.9, lower: Math.fround(5.6) - 0.9644999504, upper: 5 });
    expect(rows[2]?.interval).toEqual({ level: 0.9, lower: 1, upper: Math.fround(0.2) + 0.9644999504 });
    expect(regression.readPredictions(seedOnly, { data: [2], dims: [1] }, 0.8)[0]?.interval).toBeNull();
  });

  it("answers the Mondrian group's interval and the LAC set when the manifest has the block", () => {
    // Shipped v3 (retrained with intervals.groups, by |ŷ − round ŷ|, edges 0.101…, 0.204…, 0.305…, 0.406…):
    // the clipped value ± its group's quantile, clipped; the LAC set over ratings 1–5 at the group's threshold.
    const rows = regression.readPredictions(
      recommender,
      { data: new Float32Array([3.5, 5.6]), dims: [2, 1] },
      0.9,
    );
    expect(rows.map((row) => row.output)).toEqual([3.5, 5]);
    // 3.5: distance 0.5 ≥ the last edge → group 4 (quantile 0.5780375004, threshold 0.5788935733 keeps 3 and 4)
    expect(rows[0]?.interval).toEqual({
      level: 0.9,
      lower: 3.5 - 0.5780375004,
      upper: 3.5 + 0.5780375004,
      group: 4,
      set: [3, 4],
    });
    // 5.6 → 5: distance 0 → group 0 (quantile 1.016673088; 1 − p(4 | 5) = 0.810 ≤ 0.8485483774 keeps 4)
    expect(rows[1]?.interval).toEqual({
      level: 0.9,
      lower: 5 - 1.016673088,
      upper: 5,
      group: 0,
      set: [4, 5],
    });
    expect(regression.readPredictions(recommender, { data: [2], dims: [1] }, 0.8)[0]?.interval).toBeNull();
  });

  it("answers the /v1 view and OIP outputs as before", () => {
    const prediction = served("p1", {
      output: 4,
      raw: 4,
      label: null,
      interval: { level: 0.9, lower: 3, upper: 5 },
    });
    expect(JSON.stringify(regression.rowView(recommender, prediction))).toBe(
      '{"id":"p1","value":4,"interval":{"level":0.9,"lower":3,"upper":5}}',
    );
    expect(JSON.stringify(regression.rowView(recommender, { ...prediction, interval: null }))).toBe(
      '{"id":"p1","value":4}',
    );
    const outputs = regression.oipOutputs(recommender, [
      prediction,
      { ...prediction, id: "p2", interval: null },
    ]);
    expect(outputs.map((output) => [output.name, output.datatype, output.shape, output.data])).toEqual([
      ["prediction", "FP32", [2], [4, 4]],
      ["interval_lower", "FP32", [2], [3, null]],
      ["interval_upper", "FP32", [2], [5, null]],
    ]);
    expect(regression.oipOutputsMetadata(recommender).map((output) => output.name)).toEqual([
      "prediction",
      "interval_lower",
      "interval_upper",
    ]);
  });

  it("takes a finite number inside the clip range as the label", () => {
    expect(regression.normaliseActual(recommender, 4.5)).toEqual({ value: 4.5 });
    expect(regression.normaliseActual(recommender, 6)).toEqual({ error: "must be between 1 and 5" });
    expect(regression.normaliseActual(recommender, "4")).toEqual({ error: "must be a finite number" });
    expect(regression.normaliseActual(recommender, Number.NaN)).toEqual({ error: "must be a finite number" });
  });

  it("judges RMSE and R² against the bars and scores A/B arms by squared error", () => {
    const rows = [
      { output: 1, actual: 3 },
      { output: 5, actual: 3 },
      { output: 3, actual: 4 },
    ];
    const metrics = regression.performance(recommender, rows);
    expect(metrics?.n).toBe(3);
    expect(metrics?.rmse).toBeCloseTo(Math.sqrt(3), 12);
    const reasons = metrics ? regression.performanceReasons(metrics, defaultThresholds("regression")) : [];
    expect(reasons.map((reason) => reason.code)).toEqual(["rmse_above_max", "r2_below_min"]);
    expect(reasons[0]?.message).toBe("RMSE 1.732 ≥ 1");
    expect(regression.performance(recommender, [])).toBeNull();
    expect(regression.arm).toMatchObject({ metric: "mse", test: "welch_t", lowerIsBetter: true });
    expect(regression.arm.score(recommender, { output: 2, actual: 4.5 })).toBe(6.25);
    expect(regression.seriesValue(metrics)).toBe(metrics?.rmse);
  });

  it("keeps the recommender seed's default thresholds, common ones first", () => {
    expect(JSON.stringify(defaultThresholds("regression"))).toMatch(
      /^\{"psi_warn":0.1,"psi_drift":0.25,"p_value":0.05,"dataset_drift_share":0.5,"error_rate_max":0.05,"min_feedback":30,"window_hours":24,"rmse_max":1,"r2_min":0.6\}$/,
    );
  });

  it("draws a predicted-vs-actual panel its schema accepts", () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ output: (i % 5) + 1, actual: ((i + 1) % 5) + 1 }));
    const panel = regression.dashboardPanel(recommender, rows, [{ t: 0, n: 500, value: 1 }]);
    expect(panel.kind).toBe("regression");
    expect(panel.metric).toBe("rmse");
    expect((panel.points as unknown[]).length).toBe(400);
    expect(regression.dashboardPanelSchema.safeParse(panel).success).toBe(true);
  });
});

describe("binary classification task", () => {
  it("reads the positive column of [N, 2] probabilities and labels at the manifest's threshold", () => {
    const rows = binary.readPredictions(
      credit,
      { data: new Float32Array([0.1, 0.9, 0.5, 0.5, 0.44, 0.56]), dims: [3, 2] },
      0.9,
    );
    expect(rows.map((row) => row.output)).toEqual([0.9, 0.5, 0.56].map(Math.fround));
    expect(rows.map((row) => row.label)).toEqual([1, 0, 1]);
    expect(rows.every((row) => row.interval === null && row.raw === row.output)).toBe(true);
    const single = binary.readPredictions(credit, { data: [0.7], dims: [1] }, 0.9);
    expect(single[0]?.output).toBe(0.7);
  });

  it("answers the /v1 view and OIP outputs as before", () => {
    const prediction = served("c1", { output: 0.8, raw: 0.8, label: 1, interval: null });
    expect(JSON.stringify(binary.rowView(credit, prediction))).toBe(
      '{"id":"c1","probability":0.8,"label":1}',
    );
    const outputs = binary.oipOutputs(credit, [prediction]);
    expect(outputs.map((output) => [output.name, output.datatype, output.shape, output.data])).toEqual([
      ["probability", "FP32", [1], [0.8]],
      ["label", "BYTES", [1], ["1"]],
    ]);
  });

  it("takes 0/1, true/false or the manifest's labels as ground truth", () => {
    expect(binary.normaliseActual(credit, true)).toEqual({ value: 1 });
    expect(binary.normaliseActual(credit, "0")).toEqual({ value: 0 });
    expect(binary.normaliseActual(credit, 2)).toEqual({ error: "must be one of 0, 1, true, false" });
  });

  it("judges AUC against its bar and scores A/B arms by hits at the threshold", () => {
    const rows = [
      { output: 0.9, actual: 0 },
      { output: 0.2, actual: 1 },
      { output: 0.6, actual: 1 },
      { output: 0.3, actual: 0 },
    ];
    const metrics = binary.performance(credit, rows);
    expect(metrics?.auc).toBe(0.25);
    expect(metrics?.accuracy).toBe(0.5);
    const reasons = metrics
      ? binary.performanceReasons(metrics, defaultThresholds("binary_classification"))
      : [];
    expect(reasons).toEqual([{ severity: "critical", code: "auc_below_min", message: "AUC 0.25 < 0.7" }]);
    expect(binary.arm).toMatchObject({ metric: "accuracy", test: "two_proportion_z", lowerIsBetter: false });
    // 0.56 ≥ 0.55 predicts 1: a hit for a positive, a miss for a negative.
    expect(binary.arm.score(credit, { output: 0.56, actual: 1 })).toBe(1);
    expect(binary.arm.score(credit, { output: 0.56, actual: 0 })).toBe(0);
  });

  it("checks an example's label only when its score is clear of the threshold", () => {
    const example = { inputs: {}, expected: { output: 0.9, label: 1 } };
    const wrong = { output: 0.9, raw: 0.9, label: 0, interval: null };
    expect(binary.checkExample(credit, example, wrong, 2, 1e-4)).toEqual([
      { field: "manifest.examples[2].expected.label", message: "is 1, the model gives 0" },
    ]);
    const onThreshold = { output: 0.55, raw: 0.55, label: 0, interval: null };
    expect(binary.checkExample(credit, example, onThreshold, 2, 1e-4)).toEqual([]);
    expect(regression.checkExample(recommender, example, wrong, 0, 1e-4)).toEqual([]);
  });

  it("draws ROC, calibration and confusion its schema accepts", () => {
    const rows = [
      { output: 0.9, actual: 1 },
      { output: 0.2, actual: 0 },
      { output: 0.6, actual: 0 },
    ];
    const panel = binary.dashboardPanel(credit, rows, []);
    expect(panel.kind).toBe("classification");
    expect(panel.confusion).toEqual({ threshold: 0.55, tp: 1, fp: 1, tn: 1, fn: 0 });
    expect(binary.dashboardPanelSchema.safeParse(panel).success).toBe(true);
    expect(JSON.stringify(defaultThresholds("binary_classification"))).toMatch(
      /"window_hours":24,"auc_min":0.7}$/,
    );
  });
});
