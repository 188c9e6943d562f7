import { z } from "@hono/zod-openapi";
import { DRIFT_METHOD_NAMES } from "../monitoring/drift/registry.ts";
import { intervalCoverageSchema } from "../monitoring/interval-coverage-schema.ts";
import { TASK_LIST } from "../tasks/index.ts";
import { DRIFT_STATUSES, TASKS } from "../vocabulary/index.ts";
import { DASHBOARD_RANGES } from "./dashboard-data.ts";

/** The response of GET /v1/models/{model}/dashboard, documented in the OpenAPI document. */
const nullableNumber = z.number().nullable();
const driftStatus = z.enum(DRIFT_STATUSES);
const opsPoint = z.object({
  t: z.number().int().openapi({ description: "Bucket start (ms since the epoch)" }),
  requests: z.number().int(),
  errors: z.number().int(),
  error_rate: z.number(),
  p50_ms: nullableNumber,
  p95_ms: nullableNumber,
  p99_ms: nullableNumber,
});
const distribution = z.object({
  labels: z.array(z.string()).openapi({ description: "Reference bins (numeric) or categories" }),
  reference: z.array(z.number()).openapi({ description: "Reference proportions from the manifest" }),
  current: z.array(z.number()).openapi({ description: "The range's proportions on the same bins" }),
});
const feature = z.object({
  name: z.string(),
  type: z.enum(["numeric", "category"]),
  n: z.number().int(),
  psi: nullableNumber,
  test: z.enum(DRIFT_METHOD_NAMES).openapi({ description: "The drift method that judged the feature" }),
  p_value: nullableNumber,
  status: driftStatus,
  distribution,
  series: z.array(
    z.object({
      t: z.number().int(),
      n: z.number().int(),
      psi: nullableNumber,
      p_value: nullableNumber,
      status: driftStatus,
    }),
  ),
});
const testResult = z.object({
  test: z.enum(["welch_t", "two_proportion_z"]),
  statistic: z.number(),
  p_value: z.number(),
  df: z.number().optional(),
});
const arm = z.object({
  version: z.string(),
  requests: z.number().int(),
  rows: z.number().int(),
  feedback: z.number().int(),
  metric: z.enum([...new Set(TASK_LIST.map((task) => task.arm.metric))] as [string, ...string[]]),
  value: nullableNumber,
  test: testResult.nullable(),
  verdict: z.enum(["control", "better", "worse", "no_significant_difference", "insufficient_data"]),
  ops: opsPoint,
});

export const dashboardRangeSchema = z
  .enum(
    Object.keys(DASHBOARD_RANGES) as [keyof typeof DASHBOARD_RANGES, ...(keyof typeof DASHBOARD_RANGES)[]],
  )
  .default("24h")
  .openapi({ description: "Time range ending now; sets the bucket width (5 min, 30 min, 1 h, 6 h)" });

export const dashboardDataSchema = z
  .object({
    model: z.string(),
    task: z.enum(TASKS).nullable(),
    range: z.string(),
    start: z.number().int(),
    end: z.number().int(),
    bucket_ms: z.number().int(),
    default_version: z.string(),
    rows: z.object({
      total: z.number().int().openapi({ description: "Rows logged in the range (all versions and routes)" }),
      analyzed: z
        .number()
        .int()
        .openapi({ description: "Rows the figures cover: all of them (summaries count every logged row)" }),
      sampled: z.boolean().openapi({ description: "Always false since the figures come from summaries" }),
    }),
    ops: z.object({ total: opsPoint, series: z.array(opsPoint) }),
    drift: z
      .object({
        rows: z.number().int(),
        drift_share: z.number(),
        dataset_drift: z.boolean(),
        bonferroni_alpha: z.number(),
        drifted_features: z.array(z.string()),
        features: z.array(feature),
      })
      .nullable(),
    prediction: z
      .object({
        version: z.string(),
        type: z.enum(["numeric", "category"]).openapi({
          description:
            "numeric: the output against its reference bins; category: the predicted classes (multiclass)",
        }),
        n: z.number().int(),
        psi: nullableNumber,
        test: z
          .enum(DRIFT_METHOD_NAMES)
          .openapi({ description: "The drift method that judged the prediction" }),
        p_value: nullableNumber,
        status: driftStatus,
        distribution,
        series: z.array(
          z.object({
            t: z.number().int(),
            n: z.number().int(),
            psi: nullableNumber,
            status: driftStatus,
            proportions: z
              .record(z.string(), z.number())
              .optional()
              .openapi({ description: "Category: each predicted class's share in the bucket" }),
          }),
        ),
      })
      .nullable(),
    performance: z
      .discriminatedUnion(
        "kind",
        TASK_LIST.map((task) => task.dashboardPanelSchema) as [z.ZodObject, ...z.ZodObject[]],
      )
      .nullable(),
    interval_coverage: intervalCoverageSchema.nullable().openapi({
      description:
        "Regression: live interval coverage of the default version from feedback (as in the cron report)",
    }),
    ab: z.object({
      control: z.string().nullable(),
      weights: z.record(z.string(), z.number()),
      arms: z.array(arm),
    }),
  })
  .openapi("DashboardData");
