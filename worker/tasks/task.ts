import type { z } from "@hono/zod-openapi";
import type { Manifest, ReferenceDistribution } from "../contracts/manifest.ts";
import type { TaskName } from "../vocabulary/tasks.ts";

/**
 * What a model predicts, as one object: every place that used to branch on `manifest.task` asks the task
 * instead. One file per task in this folder; `index.ts` is the registry keyed by the names in
 * worker/vocabulary/tasks.ts. Tasks sit below monitoring, the data plane and the HTTP adapters, so they
 * import nothing of theirs: the shapes they exchange are declared here.
 */

export interface PredictionInterval {
  level: number;
  lower: number;
  upper: number;
  /** Mondrian group of the row (manifest `intervals.groups`), when the interval is per group. */
  group?: number;
  /** Integer targets: the conformal prediction set over the labels (manifest `intervals.prediction_sets`). */
  set?: number[];
}

/** One scored row, as the task reads it from the engine's output. */
export interface RowPrediction {
  /**
   * The number logged, drift-checked and judged: regression the (clipped) value; binary classification the
   * positive-class probability; multiclass the predicted class's probability.
   */
  output: number;
  /** The graph's own number (before clipping): what `examples[].expected.output` is compared with. */
  raw: number;
  /** The predicted class (null for regression). */
  label: string | number | null;
  interval: PredictionInterval | null;
  /** Every class's probability in the manifest's class order (tasks with more than two classes). */
  probabilities?: number[];
}

/** A prediction as served: the row's prediction id beside what the task read. */
export interface IdentifiedPrediction extends RowPrediction {
  id: string;
}

/** One row of the /v1 predict answer: the prediction id, then the task's members. */
export type RowView = { id: string } & Record<string, unknown>;

/** The engine's output tensor named by `manifest.output.name` (numbers only; a string tensor is refused before). */
export interface ScoreTensor {
  data: ArrayLike<number | bigint>;
  dims: readonly number[];
}

/** Open Inference Protocol v2 output tensor (REST), and its metadata entry. */
export interface OipOutput {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown;
}
export interface OipOutputMetadata {
  name: string;
  datatype: string;
  shape: number[];
}

/** Ground truth as sent to /feedback. */
export type ActualValue = number | boolean | string;
/** The stored number (regression value, class index) or why the value is refused (a 422 naming `actual`). */
export type NormalisedActual = { value: number } | { error: string };

/** A logged prediction with its stored ground truth. */
export interface LabelledRow {
  output: number;
  actual: number;
  /** Class probabilities, when the log kept them (tasks with more than two classes). */
  probabilities?: readonly number[] | null;
}

export interface HealthReason {
  severity: "info" | "warning" | "critical";
  code: string;
  message: string;
}

/**
 * The performance bars a model's monitoring thresholds may carry (absent: not judged), each read by one task.
 * A new task adds its bars here; the admin schemas and the thresholds type take them from this list.
 */
export interface PerformanceBars {
  rmse_max?: number;
  r2_min?: number;
  auc_min?: number;
  macro_f1_min?: number;
}
export type PerformanceBarName = keyof PerformanceBars;

/** How an A/B arm is scored per labelled row and compared with the control arm. */
export interface ArmScoring {
  /** Name of the arm's mean score in the A/B view. */
  metric: "mse" | "accuracy";
  /** Welch's t-test on the scores, or a two-proportion z-test (scores are 0/1). */
  test: "welch_t" | "two_proportion_z";
  /** True when a lower mean score is the better arm (errors), false for hit rates. */
  lowerIsBetter: boolean;
  score(manifest: Manifest, row: LabelledRow): number;
}

/** A field of a manifest example the model does not reproduce (publish answers 422 with these). */
export interface ExampleIssue {
  field: string;
  message: string;
}

export interface Task<Metrics extends { n: number } = { n: number }> {
  readonly name: TaskName;

  /** Per-row predictions from the output tensor; `intervalLevel` is the requested interval coverage. */
  readPredictions(manifest: Manifest, tensor: ScoreTensor, intervalLevel: number): RowPrediction[];

  /** The /v1 predict view of one row (RowPrediction in the OpenAPI document). */
  rowView(manifest: Manifest, prediction: IdentifiedPrediction): RowView;
  /** The members of the /v1 row view this task fills, as zod (merged over tasks into the RowPrediction schema). */
  readonly rowViewShape: Record<string, z.ZodType>;

  /** OIP v2 outputs: metadata (GET /v2/models/{m}) and the tensors of an infer answer. */
  oipOutputsMetadata(manifest: Manifest): OipOutputMetadata[];
  oipOutputs(manifest: Manifest, predictions: readonly IdentifiedPrediction[]): OipOutput[];

  /** What a label is: the stored number for a ground-truth value, or why it is refused. */
  normaliseActual(manifest: Manifest, actual: ActualValue): NormalisedActual;
  /** How the feedback route documents `actual` for this task (joined over tasks). */
  readonly actualDescription: string;

  /** Performance metrics of labelled rows (null without any). */
  performance(manifest: Manifest, rows: readonly LabelledRow[]): Metrics | null;
  /** Health reasons from the metrics against the model's bars (enough feedback is checked by the caller). */
  performanceReasons(metrics: Metrics, bars: Readonly<PerformanceBars>): HealthReason[];
  /** Default performance bars (over the common monitoring defaults), and their admin request schema. */
  readonly defaultBars: Readonly<PerformanceBars>;
  readonly barsRequestShape: { readonly [Bar in PerformanceBarName]?: z.ZodOptional<z.ZodNumber> };

  /** The A/B arm score. */
  readonly arm: ArmScoring;

  /** Reference and logged value for prediction drift: the output's numeric reference unless the task says otherwise. */
  predictionReference(manifest: Manifest): ReferenceDistribution;

  /** Task-specific checks of one manifest example against the model's prediction of its inputs, at publish. */
  checkExample(
    manifest: Manifest,
    example: Manifest["examples"][number],
    prediction: RowPrediction | undefined,
    index: number,
    tolerance: number,
  ): ExampleIssue[];

  /** The dashboard's performance panel of labelled rows, with the per-bucket series already computed. */
  dashboardPanel(
    manifest: Manifest,
    rows: readonly LabelledRow[],
    series: { t: number; n: number; value: number | null }[],
  ): { kind: string; metric: string } & Record<string, unknown>;
  /** The panel's zod schema (a member of the dashboard's discriminated union on `kind`). */
  readonly dashboardPanelSchema: z.ZodObject;
  /** The metric of the dashboard's per-bucket series, from a bucket's metrics. */
  seriesValue(metrics: Metrics | null): number | null;
}
