import { z } from "@hono/zod-openapi";
import type { BaselineSkill } from "./baseline-skill.ts";
import type { Bounds, RegressionBounds } from "./regression-bounds.ts";
import type { RegressionMetrics } from "./regression-metrics.ts";

/** One-sided confidence bounds of a window metric (worker/tasks/metrics/regression-bounds.ts). */
export const healthBoundsSchema = z
  .object({
    lower: z.number(),
    upper: z.number(),
    confidence: z.number().openapi({
      description: "One-sided confidence of each side (the pair is a 2·confidence − 1 interval)",
    }),
  })
  .openapi("HealthBounds");

export const baselineSkillSchema = z
  .object({
    baseline: z.literal("loo_user_item_means"),
    baseline_rmse: z.number(),
    skill: z.number().nullable(),
  })
  .openapi("BaselineSkill", {
    description:
      "1 − MSE/MSE of a leave-one-out user/item-mean baseline from the window (reported, not part of the verdict)",
  });

/** A regression window's metrics with the bounds its health verdict is judged on (a report's performance block). */
export const regressionMetricsSchema = z
  .object({
    n: z.number().int(),
    mae: z.number(),
    mse: z.number(),
    rmse: z.number(),
    r2: z.number().nullable().openapi({ description: "Null when the actuals have no variance" }),
    rmse_bounds: healthBoundsSchema.nullable().optional().openapi({
      description:
        "One-sided 95% bounds of the RMSE (chi-square); null below 10 labelled rows; absent in reports written before it existed",
    }),
    r2_bounds: healthBoundsSchema.nullable().optional().openapi({
      description:
        "One-sided 95% bounds of R² (delta method on the log ratio); null below 10 labelled rows; absent in reports written before it existed",
    }),
    baseline_skill: baselineSkillSchema.nullable().optional(),
  })
  .openapi("RegressionMetrics");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _BoundsCheck = Fits<typeof healthBoundsSchema, Bounds>;
type _BaselineSkillCheck = Fits<typeof baselineSkillSchema, BaselineSkill>;
type _RegressionMetricsCheck = Fits<
  typeof regressionMetricsSchema,
  RegressionMetrics & RegressionBounds & { baseline_skill: BaselineSkill | null }
>;
