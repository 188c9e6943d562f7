import { z } from "@hono/zod-openapi";
import type { ClassificationMetrics } from "./classification-metrics.ts";

/** A binary classification window's metrics (a report's performance block). */
export const classificationMetricsSchema = z
  .object({
    n: z.number().int(),
    positives: z.number().int(),
    auc: z.number().nullable().openapi({ description: "Null when only one class is present" }),
    accuracy: z.number().openapi({ description: "At the manifest's threshold" }),
    brier: z.number(),
    log_loss: z.number(),
  })
  .openapi("ClassificationMetrics");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _ClassificationMetricsCheck = Fits<typeof classificationMetricsSchema, ClassificationMetrics>;
