import { z } from "@hono/zod-openapi";
import type { monitoringSummary } from "../../data-plane/monitoring-summary.ts";
import { DRIFT_METHOD_NAMES } from "../../monitoring/drift/registry.ts";
import { MATERIAL_PSI } from "../../monitoring/feature-drift.ts";
import { intervalCoverageSchema } from "../../monitoring/interval-coverage-schema.ts";
import type { ModelReport } from "../../monitoring/model-report.ts";
import type { TrafficBucket } from "../../monitoring/store/traffic-series.ts";
import { classificationMetricsSchema } from "../../tasks/metrics/classification-metrics-schema.ts";
import { multiclassMetricsSchema } from "../../tasks/metrics/multiclass-metrics-schema.ts";
import { regressionMetricsSchema } from "../../tasks/metrics/regression-metrics-schema.ts";
import { HEALTH_STATUSES, TASKS } from "../../vocabulary/index.ts";
import { registryViewSchema } from "./admin-view-schemas.ts";

/** Monitoring responses; the routes pass them to `createRoute` unerased, so `c.json` is checked against them. */
const reportStatusSchema = z.enum(HEALTH_STATUSES);

export const reportListSchema = z
  .object({
    model: z.string(),
    reports: z.array(
      z.object({
        id: z.string(),
        status: reportStatusSchema,
        window_start: z.string(),
        window_end: z.string(),
        generated_at: z.string(),
        r2_key: z.string().nullable(),
        report: z
          .record(z.string(), z.unknown())
          .optional()
          .openapi({ description: "With full=true: the report body (as GET …/reports/{id})" }),
      }),
    ),
  })
  .openapi("HealthReportList");

const trafficBucketSchema = z.object({
  t: z.number().openapi({ description: "Bucket start (ms)" }),
  version: z.string(),
  route: z.string().openapi({ description: "served (every served route) or shadow" }),
  requests: z.number().openapi({ description: "Distinct requests (a batch request is one)" }),
  rows: z.number().openapi({ description: "Logged rows (scored instances)" }),
  errors: z.number().openapi({ description: "Requests with at least one error row" }),
  latency_avg_ms: z
    .number()
    .openapi({ description: "Mean per-request latency (exact, from the summaries' sums)" }),
  latency_max_ms: z.number().openapi({ description: "Maximum per-request latency" }),
});
export const trafficSchema = z
  .object({
    model: z.string(),
    start: z.number(),
    end: z.number(),
    bucket_ms: z.number(),
    buckets: z.array(trafficBucketSchema),
  })
  .openapi("Traffic");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _TrafficBucketCheck = Fits<typeof trafficBucketSchema, TrafficBucket>;

const healthReasonSchema = z.object({
  severity: z.enum(["info", "warning", "critical"]),
  code: z.string(),
  message: z.string(),
});
/** GET /v1/models/{model}/health: the compact view of the latest report (only the first five fields before one exists). */
export const monitoringSummarySchema = z
  .object({
    model: z.string(),
    status: reportStatusSchema,
    report_id: z.string().nullable(),
    generated_at: z.string().nullable(),
    message: z.string().optional().openapi({ description: "Only while no report exists (status no_data)" }),
    reasons: z.array(healthReasonSchema).optional(),
    window: z
      .looseObject({ start: z.number(), end: z.number(), start_iso: z.string(), end_iso: z.string() })
      .optional(),
    default_version: z.string().optional(),
    volume: z.number().optional(),
    error_rate: z.number().nullable().optional(),
    latency_ms: z
      .object({ p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() })
      .optional(),
    performance: z.looseObject({ version: z.string(), feedback_count: z.number() }).optional().openapi({
      description:
        "Plus the default version's metrics (RMSE, R², …; AUC, …; or accuracy, macro-F1, per-class calibration) once feedback exists",
    }),
    drift: z
      .object({
        dataset_drift: z.boolean(),
        drift_share: z.number(),
        drifted_features: z.array(z.string()),
        warned_features: z.array(z.string()),
      })
      .nullable()
      .optional(),
    prediction_drift: z.string().nullable().optional(),
  })
  .openapi("MonitoringSummary");
type _MonitoringSummaryCheck = Fits<
  typeof monitoringSummarySchema,
  Awaited<ReturnType<typeof monitoringSummary>>
>;

/** Metric blocks whose members depend on the task (multiclass, regression with its bounds, binary). */
const metricsBlock = z.union([multiclassMetricsSchema, regressionMetricsSchema, classificationMetricsSchema]);
const latencySchema = z.object({
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
});
const opsMetricsSchema = z.object({
  requests: z.number(),
  errors: z.number(),
  error_rate: z.number(),
  rows: z.number(),
  latency_ms: latencySchema,
});
/** Reports are stored as written; those written before drift on a common scale lack these members. */
const SINCE_COMMON_SCALE = " (absent in reports written before it existed)";
const idCoverageSchema = z
  .object({
    reference_ids: z.number().openapi({ description: "Distinct ids in the reference" }),
    active_ids: z.number().openapi({ description: "Distinct ids in the window" }),
    seen_row_share: z
      .number()
      .openapi({ description: "Share of the window's rows whose id the reference has" }),
    active_reference_share: z
      .number()
      .openapi({ description: "Share of the reference ids active in the window" }),
    expected_active_reference_share: z.number().openapi({
      description: "The share expected with no drift: mean over reference ids of 1 − (1 − p_i)^n",
    }),
  })
  .openapi({ description: "Identifier features (manifest training.id_reference): active vs reference ids" });
const featureDriftSchema = z
  .object({
    type: z.enum(["numeric", "category"]),
    n: z.number(),
    psi: z.number().nullable().openapi({ description: "Raw PSI against the reference bins" }),
    psi_adjusted: z
      .number()
      .nullable()
      .optional()
      .openapi({
        description: `PSI minus its no-drift expectation (k − 1)(1/n + 1/N), floored at 0${SINCE_COMMON_SCALE}`,
      }),
    weight: z
      .number()
      .optional()
      .openapi({
        description: `Model-importance weight (manifest training.feature_importance / max; 1 when absent)${SINCE_COMMON_SCALE}`,
      }),
    effect: z
      .number()
      .nullable()
      .optional()
      .openapi({
        description:
          "Size of the change on the PSI scale: weight × psi_adjusted (category, id) or weight × min(psi_adjusted, W²) " +
          "(numeric, W = Wasserstein distance in reference σ). Tests: drift when effect ≥ psi_drift, or significant and " +
          `≥ psi_warn; warn when significant and the unweighted effect (effect / weight) ≥ ${MATERIAL_PSI} (material: ` +
          `the feature is named, the model's status unchanged); else ok${SINCE_COMMON_SCALE}`,
      }),
    id_coverage: idCoverageSchema.optional(),
    test: z.enum(DRIFT_METHOD_NAMES).openapi({ description: "The drift method that judged the feature" }),
    threshold: z.number().optional().openapi({ description: "Statistic methods: the level compared with" }),
    statistic: z.number().nullable(),
    statistic_bounds: z.object({ lower: z.number(), upper: z.number().nullable() }).optional().openapi({
      description:
        "Binned KS / Wasserstein (reports read summaries' bins): the exact statistic of the raw values lies within; upper null = unbounded",
    }),
    effect_bounds: z
      .object({ lower: z.number(), upper: z.number() })
      .optional()
      .openapi({ description: "Numeric features read from bins: the raw values' effect lies within" }),
    p_value: z.number().nullable(),
    alpha: z.number().openapi({ description: "The method's p-value level after Bonferroni across features" }),
    significant: z.boolean(),
    status: z.string(),
    mean: z.number().nullable().optional().openapi({ description: "Numeric: the window's mean" }),
    reference_mean: z.number().optional().openapi({ description: "Numeric: the reference's mean" }),
    proportions: z.record(z.string(), z.number()).optional().openapi({
      description:
        "Category: the window's share of each value (multiclass prediction drift: of each predicted class)",
    }),
    unseen_share: z.number().optional().openapi({
      description: "Category: share of the window's values the reference never saw",
    }),
  })
  .openapi({ description: "One feature's (or the prediction's) drift against the manifest reference" });
/** GET /v1/models/{model}/reports/{id}: the stored report. */
export const modelReportSchema = z
  .object({
    schema_version: z.number(),
    model: z.string(),
    window: z.object({
      start: z.number(),
      end: z.number(),
      hours: z.number(),
      start_iso: z.string(),
      end_iso: z.string(),
    }),
    generated_at: z.string(),
    task: z.enum(TASKS).nullable(),
    default_version: z.string(),
    traffic: z.object({ weights: z.record(z.string(), z.number()), shadow: z.array(z.string()) }),
    thresholds: registryViewSchema.shape.thresholds.unwrap(),
    status: reportStatusSchema,
    reasons: z.array(healthReasonSchema),
    rows: z.object({
      total: z.number(),
      analyzed: z.number(),
      sampled: z
        .boolean()
        .openapi({ description: "Always false since schema_version 2: every row is counted" }),
      source: z.literal("summaries").optional(),
      keys: z.number().optional().openapi({ description: "Summary keys (version × route × bucket) merged" }),
    }),
    ops: z.object({
      latency_relative_accuracy: z.number().optional().openapi({
        description:
          "Latency quantiles come from a DDSketch: each is within this relative error of a latency of the window",
      }),
      total: opsMetricsSchema,
      by_version: z.record(z.string(), opsMetricsSchema),
      by_route: z.record(z.string(), opsMetricsSchema),
      by_arm: z.record(z.string(), opsMetricsSchema),
      by_colo: z.record(z.string(), opsMetricsSchema),
    }),
    drift: z
      .object({
        reference_version: z.string(),
        rows: z.number(),
        alpha: z.number(),
        bonferroni_alpha: z.number(),
        features: z.record(z.string(), featureDriftSchema),
        drifted_features: z.array(z.string()),
        warned_features: z.array(z.string()),
        evaluated_features: z.number(),
        drift_share: z.number(),
        dataset_drift: z.boolean(),
      })
      .nullable()
      .openapi({ description: "Input drift per feature against the default's reference" }),
    prediction_drift: z.record(z.string(), featureDriftSchema),
    performance: z.looseObject({
      version: z.string(),
      feedback_count: z.number(),
      default: metricsBlock.nullable(),
      by_version: z.record(z.string(), metricsBlock.nullable()),
      feedback_count_total: z.number(),
    }),
    interval_coverage: intervalCoverageSchema.nullable().optional().openapi({
      description:
        "Regression: live coverage of the default version's served intervals on labelled rows, per level and Mondrian group, with Clopper–Pearson bounds (absent in reports written before it existed)",
    }),
    ab: z
      .object({ control: z.string().nullable(), arms: z.array(z.object({ version: z.string() })) })
      .nullable()
      .openapi({ description: "The A/B arms compared, when the default has a manifest" }),
  })
  .openapi("ModelReport");
type _ModelReportCheck = Fits<typeof modelReportSchema, ModelReport>;
