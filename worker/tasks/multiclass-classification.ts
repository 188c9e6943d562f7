import { z } from "@hono/zod-openapi";
import type { Manifest } from "../contracts/manifest.ts";
import { argmax, type MulticlassMetrics, multiclassMetrics } from "./metrics/multiclass-metrics.ts";
import { multiclassMetricsSchema } from "./metrics/multiclass-metrics-schema.ts";
import type { LabelledRow, Task } from "./task.ts";

const fmt = (value: number) => Number(value.toPrecision(4));
const nullableNumber = z.number().nullable();

/** The class of each probability column, in column order (the manifest requires them for this task). */
const classesOf = (manifest: Manifest): readonly string[] => manifest.output.classes ?? [];

const metricsOf = (manifest: Manifest, rows: readonly LabelledRow[]): MulticlassMetrics | null => {
  const labelled = rows.filter((row) => row.probabilities);
  return multiclassMetrics(
    labelled.map((row) => row.probabilities ?? []),
    labelled.map((row) => row.actual),
    classesOf(manifest),
  );
};

/** Rows × classes counts: rows are the true class, columns the predicted one. */
function confusionMatrix(manifest: Manifest, rows: readonly LabelledRow[]): number[][] {
  const classes = classesOf(manifest);
  const matrix = classes.map(() => classes.map(() => 0));
  for (const row of rows) {
    if (row.probabilities?.length !== classes.length) continue;
    const cells = matrix[row.actual];
    const predicted = argmax(row.probabilities);
    if (cells && cells[predicted] !== undefined) cells[predicted] += 1;
  }
  return matrix;
}

/**
 * One probability per class (an [N, C] tensor whose column i is `output.classes[i]`): the predicted class is
 * the first maximal probability (as ONNX ArgMax and sklearn), served with its probability and every class's;
 * ground truth is a class name (or its index), stored as the class index.
 */
export const multiclassClassification: Task<MulticlassMetrics> = {
  name: "multiclass_classification",

  readPredictions(manifest, tensor) {
    const classes = classesOf(manifest);
    const rows = tensor.dims[0] ?? 0;
    const width = tensor.dims.length > 1 ? (tensor.dims[1] ?? 1) : 1;
    if (width !== classes.length)
      throw new Error(`output ${manifest.output.name} has ${width} columns for ${classes.length} classes`);
    return Array.from({ length: rows }, (_, row) => {
      const probabilities = Array.from({ length: width }, (_, column) =>
        Number(tensor.data[row * width + column]),
      );
      const best = argmax(probabilities);
      const raw = probabilities[best] ?? Number.NaN;
      return { output: raw, raw, label: classes[best] ?? null, interval: null, probabilities };
    });
  },

  rowView(manifest, prediction) {
    const classes = classesOf(manifest);
    return {
      id: prediction.id,
      probability: prediction.output,
      label: prediction.label ?? undefined,
      probabilities: Object.fromEntries(
        classes.map((name, column) => [name, prediction.probabilities?.[column] ?? null]),
      ),
    };
  },
  rowViewShape: {
    probabilities: z
      .record(z.string(), z.number())
      .optional()
      .openapi({
        description:
          "Multiclass: every class's probability by class name; `label` is the most probable class and " +
          "`probability` its probability.",
      }),
  },

  oipOutputsMetadata: (manifest) => [
    { name: "probability", datatype: "FP32", shape: [-1] },
    { name: "label", datatype: "BYTES", shape: [-1] },
    { name: "probabilities", datatype: "FP32", shape: [-1, classesOf(manifest).length] },
  ],
  oipOutputs(manifest, predictions) {
    const n = predictions.length;
    const width = classesOf(manifest).length;
    return [
      { name: "probability", datatype: "FP32", shape: [n], data: predictions.map((p) => p.output) },
      { name: "label", datatype: "BYTES", shape: [n], data: predictions.map((p) => String(p.label)) },
      {
        name: "probabilities",
        datatype: "FP32",
        shape: [n, width],
        data: predictions.flatMap((p) => p.probabilities ?? []),
      },
    ];
  },

  /** A class name or a class index 0..C-1; stored as the index. */
  normaliseActual(manifest, actual) {
    const classes = classesOf(manifest);
    const byName = typeof actual === "string" ? classes.indexOf(actual) : -1;
    if (byName >= 0) return { value: byName };
    if (typeof actual === "number" && Number.isInteger(actual) && actual >= 0 && actual < classes.length)
      return { value: actual };
    return {
      error: `must be one of ${classes.map((name) => JSON.stringify(name)).join(", ")} (or a class index 0..${classes.length - 1})`,
    };
  },
  actualDescription: "a class name (or its index) for multiclass classification",

  performance: metricsOf,
  performanceReasons(metrics, bars) {
    const bar = bars.macro_f1_min;
    if (bar === undefined || metrics.macro_f1 >= bar) return [];
    return [
      {
        severity: "critical",
        code: "macro_f1_below_min",
        message: `macro-F1 ${fmt(metrics.macro_f1)} < ${bar}`,
      },
    ];
  },
  defaultBars: { macro_f1_min: 0.5 },
  barsRequestShape: { macro_f1_min: z.number().gt(0).lt(1).optional() },

  /** Hit (1) or miss (0) of the predicted class, two-proportion z-test: the higher accuracy is better. */
  arm: {
    metric: "accuracy",
    test: "two_proportion_z",
    lowerIsBetter: false,
    score: (_manifest, row) => (row.probabilities && argmax(row.probabilities) === row.actual ? 1 : 0),
  },

  /** Prediction drift is over the predicted classes (their proportions on the reference data). */
  predictionReference: (manifest) => manifest.reference.prediction_classes ?? manifest.reference.prediction,

  checkExample(_manifest, example, prediction, index, tolerance) {
    const field = `manifest.examples[${index}].expected`;
    const got = prediction?.probabilities ?? [];
    const issues = (example.expected.probabilities ?? []).flatMap((expected, column) => {
      const value = got[column] ?? Number.NaN;
      return Math.abs(value - expected) <= tolerance
        ? []
        : [
            {
              field: `${field}.probabilities[${column}]`,
              message: `is ${expected}, the model gives ${value}`,
            },
          ];
    });
    // Two classes within the tolerance of each other may legitimately swap places.
    const [first = 0, second = 0] = [...got].sort((a, b) => b - a);
    const decisive = first - second > tolerance;
    if (decisive && example.expected.label !== undefined && prediction?.label !== example.expected.label) {
      issues.push({
        field: `${field}.label`,
        message: `is ${example.expected.label}, the model gives ${prediction?.label}`,
      });
    }
    return issues;
  },

  dashboardPanel(manifest, rows, series) {
    const metrics = metricsOf(manifest, rows);
    return {
      kind: "multiclass",
      metric: "accuracy",
      classes: [...classesOf(manifest)],
      metrics: metrics && {
        n: metrics.n,
        accuracy: metrics.accuracy,
        macro_f1: metrics.macro_f1,
        log_loss: metrics.log_loss,
        brier: metrics.brier,
        ece_macro: metrics.ece_macro,
      },
      confusion: confusionMatrix(manifest, rows),
      per_class: metrics?.per_class ?? {},
      series,
    };
  },
  dashboardPanelSchema: z.object({
    kind: z.literal("multiclass"),
    metric: z.literal("accuracy"),
    classes: z.array(z.string()),
    metrics: z
      .object({
        n: z.number().int(),
        accuracy: z.number(),
        macro_f1: z.number(),
        log_loss: z.number(),
        brier: z.number(),
        ece_macro: z.number(),
      })
      .nullable(),
    /** Rows are the true class, columns the predicted class, both in `classes` order. */
    confusion: z.array(z.array(z.number().int())),
    per_class: multiclassMetricsSchema.shape.per_class.openapi({
      description:
        "Per class: precision, recall, F1, one-vs-rest Brier, ECE and reliability bins (calibration)",
    }),
    series: z.array(z.object({ t: z.number().int(), n: z.number().int(), value: nullableNumber })),
  }),
  seriesValue: (metrics) => metrics?.accuracy ?? null,
};
