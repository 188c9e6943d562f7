import { z } from "@hono/zod-openapi";
import type { Intervals, Manifest } from "../contracts/manifest.ts";
import { type BaselineSkill, baselineSkill } from "./metrics/baseline-skill.ts";
import { thin } from "./metrics/classification-curves.ts";
import { judgeMax, judgeMin } from "./metrics/health-verdict.ts";
import { type RegressionBounds, regressionBounds } from "./metrics/regression-bounds.ts";
import { type RegressionMetrics, regressionMetrics } from "./metrics/regression-metrics.ts";
import type { PredictionInterval, Task } from "./task.ts";

/** Predicted-vs-actual points per dashboard answer (evenly thinned by time beyond it). */
const MAX_SCATTER_POINTS = 400;

const fmt = (value: number) => Number(value.toPrecision(4));

function clip(value: number, range: { min: number; max: number } | undefined): number {
  return range ? Math.min(range.max, Math.max(range.min, value)) : value;
}

/** The Mondrian group of a clipped prediction: how many of the block's edges are at or below its group value. */
export function intervalGroup(groups: NonNullable<Intervals["groups"]>, value: number): number {
  const key = groups.by === "integer_distance" ? Math.abs(value - Math.round(value)) : value;
  let group = 0;
  while (group < groups.edges.length && (groups.edges[group] ?? Number.POSITIVE_INFINITY) <= key) group += 1;
  return group;
}

/** LAC set over the labels: 1 − p(k | ŷ) ≤ threshold with p ∝ exp(−(k − ŷ)² / 2·scale²); the likeliest label if empty. */
export function lacSet(
  sets: NonNullable<Intervals["prediction_sets"]>,
  value: number,
  threshold: number,
): number[] {
  const logits = sets.labels.map((label) => -0.5 * ((label - value) / sets.scale) ** 2);
  const top = Math.max(...logits);
  const weights = logits.map((logit) => Math.exp(logit - top));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const chosen = sets.labels.filter((_, i) => 1 - (weights[i] ?? 0) / total <= threshold + 1e-12);
  if (chosen.length > 0) return chosen;
  const best = weights.indexOf(Math.max(...weights));
  return [sets.labels[best] ?? value];
}

/**
 * Split-conformal interval at a calibrated level. With a Mondrian block: the clipped prediction ± its group's
 * quantile (clipped), and the LAC prediction set when the manifest has one; otherwise the seed's rule,
 * prediction ± the marginal quantile, clipped to the range.
 */
export function conformalInterval(manifest: Manifest, raw: number, level: number): PredictionInterval | null {
  const intervals = manifest.intervals;
  const same = (entry: { coverage: number }) => Math.abs(entry.coverage - level) < 1e-9;
  const calibrated = intervals?.levels.find(same);
  if (!intervals || !calibrated) return null;
  const range = manifest.output.clip;
  const value = clip(raw, range);
  const groupLevel = intervals.groups?.levels.find(same);
  const group = intervals.groups ? intervalGroup(intervals.groups, value) : 0;
  const groupQuantile = groupLevel?.quantiles[group];
  const interval: PredictionInterval =
    groupQuantile === undefined
      ? {
          level,
          lower: clip(raw - calibrated.quantile, range),
          upper: clip(raw + calibrated.quantile, range),
        }
      : {
          level,
          lower: clip(value - groupQuantile, range),
          upper: clip(value + groupQuantile, range),
          group,
        };
  const sets = intervals.prediction_sets;
  const threshold = sets?.levels.find(same)?.thresholds[intervals.groups ? group : 0];
  if (sets && threshold !== undefined) interval.set = lacSet(sets, value, threshold);
  return interval;
}

const nullableNumber = z.number().nullable();

export const predictionIntervalSchema = z
  .object({
    level: z.number(),
    lower: z.number(),
    upper: z.number(),
    group: z.number().int().optional().openapi({
      description:
        "/v1 only: the Mondrian group whose quantile made the interval (clipped prediction ± that quantile): the number of the manifest's intervals.groups.edges at or below |ŷ − round(ŷ)| (by integer_distance) or ŷ (by prediction). Absent for versions without intervals.groups (prediction ± the marginal quantile, clipped).",
    }),
    set: z.array(z.number()).optional().openapi({
      description:
        "/v1 only: the LAC conformal prediction set over the manifest's labels (the recommender: ratings 1–5) at the same level; the seed /predict answers it as prediction_set.",
    }),
  })
  .openapi("PredictionInterval", {
    description: "Split-conformal interval at `level` (0.9 or 0.95), clipped to the model's range",
  });

/** A number per row: the value clipped to `output.clip`, with a split-conformal interval when calibrated. */
/** The window's point figures with their confidence bounds (the bounds are additions: null below 10 rows). */
export type RegressionHealthMetrics = RegressionMetrics &
  Partial<RegressionBounds> & { baseline_skill?: BaselineSkill | null };

/** The window's rows carry their logged inputs at run time (WindowRow); hand-built rows may not. */
const inputOf = (row: object, key: string): unknown =>
  (row as { inputs?: Record<string, unknown> }).inputs?.[key];

export const regression: Task<RegressionHealthMetrics> = {
  name: "regression",

  readPredictions(manifest, tensor, intervalLevel) {
    const rows = tensor.dims[0] ?? 0;
    const width = tensor.dims.length > 1 ? (tensor.dims[1] ?? 1) : 1;
    return Array.from({ length: rows }, (_, row) => {
      const raw = Number(tensor.data[row * width]);
      return {
        output: clip(raw, manifest.output.clip),
        raw,
        label: null,
        interval: conformalInterval(manifest, raw, intervalLevel),
      };
    });
  },

  rowView: (_manifest, prediction) => ({
    id: prediction.id,
    value: prediction.output,
    ...(prediction.interval ? { interval: prediction.interval } : {}),
  }),
  rowViewShape: {
    value: z
      .number()
      .optional()
      .openapi({ description: "Regression: the prediction (clipped to the range)." }),
    interval: predictionIntervalSchema.optional(),
  },

  oipOutputsMetadata: () => [
    { name: "prediction", datatype: "FP32", shape: [-1] },
    { name: "interval_lower", datatype: "FP32", shape: [-1] },
    { name: "interval_upper", datatype: "FP32", shape: [-1] },
  ],
  oipOutputs(_manifest, predictions) {
    const n = predictions.length;
    return [
      { name: "prediction", datatype: "FP32", shape: [n], data: predictions.map((p) => p.output) },
      {
        name: "interval_lower",
        datatype: "FP32",
        shape: [n],
        data: predictions.map((p) => p.interval?.lower ?? null),
      },
      {
        name: "interval_upper",
        datatype: "FP32",
        shape: [n],
        data: predictions.map((p) => p.interval?.upper ?? null),
      },
    ];
  },

  /** A finite number, inside the manifest's clip range when it has one (ratings 1–5). */
  normaliseActual(manifest, actual) {
    if (typeof actual !== "number" || !Number.isFinite(actual)) return { error: "must be a finite number" };
    const range = manifest.output.clip;
    if (range && (actual < range.min || actual > range.max)) {
      return { error: `must be between ${range.min} and ${range.max}` };
    }
    return { value: actual };
  },
  actualDescription: "a number for regression (inside the model's clip range)",

  /**
   * MAE/MSE/RMSE/R² of the (clipped) output, with one-sided 95 % bounds of RMSE and R² and the skill against
   * a leave-one-out user/item-mean baseline when the rows carry `user_id` / `item_id` inputs.
   */
  performance(_manifest, rows) {
    const predicted = rows.map((row) => row.output);
    const actual = rows.map((row) => row.actual);
    const metrics = regressionMetrics(predicted, actual);
    if (!metrics) return null;
    const skill = baselineSkill(
      rows.map((row) => ({
        output: row.output,
        actual: row.actual,
        user: inputOf(row, "user_id"),
        item: inputOf(row, "item_id"),
      })),
    );
    return { ...metrics, ...regressionBounds(predicted, actual, metrics.mse), baseline_skill: skill };
  },
  /** A bar fails only when its bound excludes it (worker/tasks/metrics/health-verdict.ts). */
  performanceReasons(metrics, bars) {
    const reasons = [];
    if (bars.rmse_max !== undefined) {
      const outcome = judgeMax(metrics.rmse, metrics.rmse_bounds, bars.rmse_max);
      const bound = metrics.rmse_bounds ? ` (95% lower bound ${fmt(metrics.rmse_bounds.lower)})` : "";
      if (outcome === "fail")
        reasons.push({
          severity: "critical" as const,
          code: "rmse_above_max",
          message: `RMSE ${fmt(metrics.rmse)} ≥ ${bars.rmse_max}${bound}`,
        });
      else if (outcome === "inconclusive")
        reasons.push({
          severity: "info" as const,
          code: "rmse_above_max_inconclusive",
          message: `RMSE ${fmt(metrics.rmse)} ≥ ${bars.rmse_max}, but its 95% lower bound ${fmt(metrics.rmse_bounds?.lower ?? 0)} is below it (${metrics.n} labels)`,
        });
    }
    if (bars.r2_min !== undefined) {
      const outcome = judgeMin(metrics.r2, metrics.r2_bounds, bars.r2_min);
      const bound = metrics.r2_bounds ? ` (95% upper bound ${fmt(metrics.r2_bounds.upper)})` : "";
      if (outcome === "fail")
        reasons.push({
          severity: "critical" as const,
          code: "r2_below_min",
          message: `R² ${metrics.r2 === null ? "undefined" : fmt(metrics.r2)} ≤ ${bars.r2_min}${bound}`,
        });
      else if (outcome === "inconclusive")
        reasons.push({
          severity: "info" as const,
          code: "r2_below_min_inconclusive",
          message: `R² ${fmt(metrics.r2 ?? 0)} ≤ ${bars.r2_min}, but its 95% upper bound ${fmt(metrics.r2_bounds?.upper ?? 0)} is above it (${metrics.n} labels)`,
        });
    }
    return reasons;
  },
  /** The recommender seed's bar: RMSE < 1.0 and R² > 0.6. */
  defaultBars: { rmse_max: 1.0, r2_min: 0.6 },
  barsRequestShape: {
    rmse_max: z.number().gt(0).optional(),
    r2_min: z.number().lt(1).optional(),
  },

  /** Squared error per row, Welch's t-test: the arm with the lower MSE is better. */
  arm: {
    metric: "mse",
    test: "welch_t",
    lowerIsBetter: true,
    score: (_manifest, row) => (row.output - row.actual) ** 2,
  },

  predictionReference: (manifest) => manifest.reference.prediction,

  checkExample: () => [],

  dashboardPanel: (_manifest, rows, series) => ({
    kind: "regression",
    metric: "rmse",
    metrics: regressionMetrics(
      rows.map((row) => row.output),
      rows.map((row) => row.actual),
    ),
    points: thin(rows, MAX_SCATTER_POINTS).map((row) => ({ predicted: row.output, actual: row.actual })),
    series,
  }),
  dashboardPanelSchema: z.object({
    kind: z.literal("regression"),
    metric: z.literal("rmse"),
    metrics: z
      .object({ n: z.number().int(), mae: z.number(), mse: z.number(), rmse: z.number(), r2: nullableNumber })
      .nullable(),
    points: z
      .array(z.object({ predicted: z.number(), actual: z.number() }))
      .openapi({ description: `Predicted vs actual, at most ${MAX_SCATTER_POINTS} (thinned evenly)` }),
    series: z.array(z.object({ t: z.number().int(), n: z.number().int(), value: nullableNumber })),
  }),
  seriesValue: (metrics) => metrics?.rmse ?? null,
};
