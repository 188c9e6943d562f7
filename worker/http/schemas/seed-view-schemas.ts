import { z } from "@hono/zod-openapi";
import type { readSeedModelHealth } from "../../data-plane/seed-model-health.ts";
import { baselineSkillSchema, healthBoundsSchema } from "../../tasks/metrics/regression-metrics-schema.ts";
import { signatureSchema } from "./view-schemas.ts";

/** The seed endpoints' responses. The routes check their bodies with `satisfies`; SeedModelHealthCheck the builder. */
export const creditModelInfoSchema = z
  .object({
    ...signatureSchema.shape,
    model: z.string(),
    title: z.string(),
    version: z.string(),
    versions: z.array(z.string()),
    threshold: z.number().optional(),
    metrics: z.record(z.string(), z.number()),
    params: z.record(z.string(), z.unknown()),
    training: z.object({
      dataset: z.string(),
      rows: z.record(z.string(), z.number()),
      trained_at: z.string(),
      mlflow: z.looseObject({ run_id: z.string() }).optional(),
    }),
    artifact: z.object({ file: z.string(), sha256: z.string(), bytes: z.number() }),
  })
  .openapi("CreditModelInfo");

export const seedModelHealthSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    window_hours: z.number(),
    status: z.enum(["healthy", "unhealthy", "no_data"]),
    healthy: z.boolean().nullable().openapi({
      description:
        "false exactly when a bar fails on its bound (verdict_rule); a point figure past a bar whose bound admits it is reported in message but stays healthy; null while feedback is below thresholds.min_feedback",
    }),
    rmse: z.number().nullable(),
    r2: z.number().nullable(),
    mae: z.number().nullable(),
    mse: z.number().nullable(),
    thresholds: z.object({
      rmse_max: z.number().nullable(),
      r2_min: z.number().nullable(),
      min_feedback: z.number(),
    }),
    feedback_count: z.number(),
    message: z.string(),
    source: z.enum(["report", "live"]),
    report_id: z.string().nullable(),
    report_status: z.string().nullable(),
    timestamp: z.string(),
    rmse_bounds: healthBoundsSchema.nullable().openapi({
      description: "One-sided 95% bounds of the RMSE (chi-square); null below min_labels_for_bounds",
    }),
    r2_bounds: healthBoundsSchema.nullable().openapi({
      description: "One-sided 95% bounds of R² (delta method, log ratio); null below min_labels_for_bounds",
    }),
    baseline_skill: baselineSkillSchema.nullable(),
    verdict_rule: z.string().openapi({ description: "How `healthy` is decided from the bounds" }),
    min_labels_for_bounds: z.number().int(),
  })
  .openapi("SeedModelHealth");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _SeedModelHealthCheck = Fits<
  typeof seedModelHealthSchema,
  Awaited<ReturnType<typeof readSeedModelHealth>>
>;
