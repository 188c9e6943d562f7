import { z } from "@hono/zod-openapi";
import type { Manifest } from "../contracts/manifest.ts";
import { aucBounds } from "./metrics/auc-bounds.ts";
import { calibrationBins, confusionAt, rocCurve } from "./metrics/classification-curves.ts";
import { type ClassificationMetrics, classificationMetrics } from "./metrics/classification-metrics.ts";
import type { Task } from "./task.ts";

const fmt = (value: number) => Number(value.toPrecision(4));
const nullableNumber = z.number().nullable();

/** The probability at or above which the positive label is predicted (the manifest requires it; 0.5 if absent). */
export const decisionThreshold = (manifest: Manifest): number => manifest.output.threshold ?? 0.5;

const metricsOf = (manifest: Manifest, rows: readonly { output: number; actual: number }[]) =>
  classificationMetrics(
    rows.map((row) => row.output),
    rows.map((row) => row.actual),
    decisionThreshold(manifest),
  );

/** A bound widened by an AUC's binning error (reports read AUC from score histograms: monitoring/stats/labelled-metrics.ts). */
const widened = <T extends { lower: number; upper: number }>(bounds: T | null, error: number): T | null =>
  bounds && { ...bounds, lower: Math.max(0, bounds.lower - error), upper: Math.min(1, bounds.upper + error) };

/**
 * The positive-class probability per row (column `output.positive_index` of an [N, 2] tensor, or the only
 * column), labelled with the positive or negative label at the threshold; ground truth is stored as 1/0.
 */
export const binaryClassification: Task<ClassificationMetrics> = {
  name: "binary_classification",

  readPredictions(manifest, tensor) {
    const rows = tensor.dims[0] ?? 0;
    const width = tensor.dims.length > 1 ? (tensor.dims[1] ?? 1) : 1;
    const column = width > 1 ? (manifest.output.positive_index ?? 1) : 0;
    return Array.from({ length: rows }, (_, row) => {
      const raw = Number(tensor.data[row * width + column]);
      const positive = raw >= decisionThreshold(manifest);
      const label =
        (positive ? manifest.output.positive_label : manifest.output.negative_label) ?? (positive ? 1 : 0);
      return { output: raw, raw, label, interval: null };
    });
  },

  rowView: (_manifest, prediction) => ({
    id: prediction.id,
    probability: prediction.output,
    label: prediction.label ?? undefined,
  }),
  rowViewShape: {
    probability: z
      .number()
      .optional()
      .openapi({ description: "Classification: positive-class probability." }),
    label: z.union([z.string(), z.number()]).optional(),
  },

  oipOutputsMetadata: () => [
    { name: "probability", datatype: "FP32", shape: [-1] },
    { name: "label", datatype: "BYTES", shape: [-1] },
  ],
  oipOutputs(_manifest, predictions) {
    const n = predictions.length;
    return [
      { name: "probability", datatype: "FP32", shape: [n], data: predictions.map((p) => p.output) },
      { name: "label", datatype: "BYTES", shape: [n], data: predictions.map((p) => String(p.label)) },
    ];
  },

  /** 0/1, true/false, or the manifest's positive/negative label; stored as 1/0. */
  normaliseActual(manifest, actual) {
    const { positive_label: positive, negative_label: negative } = manifest.output;
    if (actual === true || actual === 1 || (positive !== undefined && String(actual) === String(positive)))
      return { value: 1 };
    if (actual === false || actual === 0 || (negative !== undefined && String(actual) === String(negative)))
      return { value: 0 };
    const labels = [0, 1, true, false, positive, negative].filter((label) => label !== undefined);
    return {
      error: `must be one of ${[...new Set(labels.map((label) => JSON.stringify(label)))].join(", ")}`,
    };
  },
  actualDescription: "0/1, true/false or the model's label for classification",

  /** AUC/accuracy/Brier/log loss of the positive-class probability. */
  performance: metricsOf,
  /** AUC fails its bar only when the one-sided 95 % Hanley–McNeil upper bound is below it. */
  performanceReasons(metrics, bars) {
    if (bars.auc_min === undefined || (metrics.auc !== null && metrics.auc >= bars.auc_min)) return [];
    const bounds = widened(
      aucBounds(metrics.auc, metrics.positives, metrics.n - metrics.positives),
      (metrics as { auc_binning?: { max_error: number } | null }).auc_binning?.max_error ?? 0,
    );
    const auc = metrics.auc === null ? "undefined" : fmt(metrics.auc);
    if (bounds && bounds.upper >= bars.auc_min)
      return [
        {
          severity: "info",
          code: "auc_below_min_inconclusive",
          message: `AUC ${auc} < ${bars.auc_min}, but its 95% upper bound ${fmt(bounds.upper)} is not (${metrics.n} labels)`,
        },
      ];
    return [
      {
        severity: "critical",
        code: "auc_below_min",
        message: `AUC ${auc} < ${bars.auc_min}${bounds ? ` (95% upper bound ${fmt(bounds.upper)})` : ""}`,
      },
    ];
  },
  defaultBars: { auc_min: 0.7 },
  barsRequestShape: { auc_min: z.number().gt(0).lt(1).optional() },

  /** Hit (1) or miss (0) at the threshold, two-proportion z-test: the arm with the higher accuracy is better. */
  arm: {
    metric: "accuracy",
    test: "two_proportion_z",
    lowerIsBetter: false,
    score: (manifest, row) => ((row.output >= decisionThreshold(manifest) ? 1 : 0) === row.actual ? 1 : 0),
  },

  predictionReference: (manifest) => manifest.reference.prediction,

  checkExample(manifest, example, prediction, index, tolerance) {
    const raw = prediction?.raw ?? Number.NaN;
    // A score within the tolerance of the threshold may legitimately land on either side.
    const decisive = Math.abs(raw - decisionThreshold(manifest)) > tolerance;
    const label = prediction?.label;
    if (!decisive || example.expected.label === undefined || String(label) === String(example.expected.label))
      return [];
    return [
      {
        field: `manifest.examples[${index}].expected.label`,
        message: `is ${example.expected.label}, the model gives ${label}`,
      },
    ];
  },

  dashboardPanel(manifest, rows, series) {
    const predicted = rows.map((row) => row.output);
    const actual = rows.map((row) => row.actual);
    return {
      kind: "classification",
      metric: "accuracy",
      metrics: metricsOf(manifest, rows),
      roc: rocCurve(predicted, actual),
      calibration: calibrationBins(predicted, actual),
      confusion: confusionAt(predicted, actual, decisionThreshold(manifest)),
      series,
    };
  },
  dashboardPanelSchema: z.object({
    kind: z.literal("classification"),
    metric: z.literal("accuracy"),
    metrics: z
      .object({
        n: z.number().int(),
        positives: z.number().int(),
        auc: nullableNumber,
        accuracy: z.number(),
        brier: z.number(),
        log_loss: z.number(),
      })
      .nullable(),
    roc: z.array(z.object({ threshold: z.number(), fpr: z.number(), tpr: z.number() })),
    calibration: z.array(
      z.object({
        lower: z.number(),
        n: z.number().int(),
        mean_predicted: z.number(),
        fraction_positive: z.number(),
      }),
    ),
    confusion: z.object({
      threshold: z.number(),
      tp: z.number().int(),
      fp: z.number().int(),
      tn: z.number().int(),
      fn: z.number().int(),
    }),
    series: z.array(z.object({ t: z.number().int(), n: z.number().int(), value: nullableNumber })),
  }),
  seriesValue: (metrics) => metrics?.accuracy ?? null,
};
