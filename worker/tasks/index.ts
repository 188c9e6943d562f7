import type { z } from "@hono/zod-openapi";
import type { Manifest } from "../contracts/manifest.ts";
import type { TaskName } from "../vocabulary/tasks.ts";
import { binaryClassification } from "./binary-classification.ts";
import type { ClassificationMetrics } from "./metrics/classification-metrics.ts";
import type { MulticlassMetrics } from "./metrics/multiclass-metrics.ts";
import type { RegressionMetrics } from "./metrics/regression-metrics.ts";
import { multiclassClassification } from "./multiclass-classification.ts";
import { regression } from "./regression.ts";
import type { PerformanceBarName, Task } from "./task.ts";

/** The interval of a served value (regression's; the recommender's items carry it too). */
export { predictionIntervalSchema } from "./regression.ts";
export type * from "./task.ts";

/**
 * Every task, keyed by its name in worker/vocabulary/tasks.ts. The order is the order their members appear
 * in merged schemas (row view, thresholds), so it keeps the OpenAPI document stable.
 */
const TASK_OBJECTS: Record<TaskName, Task> = {
  regression,
  binary_classification: binaryClassification,
  multiclass_classification: multiclassClassification,
};

export const TASK_LIST: readonly Task[] = Object.values(TASK_OBJECTS);

/** Metrics of any task (what a report's performance block holds). */
export type PerformanceMetrics = RegressionMetrics | ClassificationMetrics | MulticlassMetrics;

/** The task object of a task name (every name of the vocabulary has one: the registry's type demands it). */
export const taskNamed = (name: TaskName): Task => TASK_OBJECTS[name];

/** The task object of a manifest. */
export const taskOf = (manifest: Pick<Manifest, "task">): Task => taskNamed(manifest.task);

/** Every task's performance bars, merged (the thresholds a model record may carry beside the common ones). */
export const PERFORMANCE_BARS_REQUEST_SHAPE = Object.assign(
  {},
  ...TASK_LIST.map((task) => task.barsRequestShape),
) as { [Bar in PerformanceBarName]: z.ZodOptional<z.ZodNumber> };

export const PERFORMANCE_BAR_NAMES = Object.keys(PERFORMANCE_BARS_REQUEST_SHAPE) as PerformanceBarName[];

/** Every task's members of the /v1 row view, merged (the RowPrediction schema beside `id`). */
export const ROW_VIEW_SHAPE: Record<string, z.ZodType> = Object.assign(
  {},
  ...TASK_LIST.map((task) => task.rowViewShape),
);

/** Feedback's `actual`, as documented: what a label is for each task. */
export const ACTUAL_DESCRIPTION = `Ground truth: ${TASK_LIST.map((task) => task.actualDescription).join("; ")}.`;
