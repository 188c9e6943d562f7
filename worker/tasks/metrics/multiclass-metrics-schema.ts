import { z } from "@hono/zod-openapi";
import type { MulticlassMetrics } from "./multiclass-metrics.ts";

const reliabilityBinSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number().int(),
  mean_predicted: z.number(),
  observed: z.number().openapi({ description: "Share of the bin's rows whose true class is this one" }),
});

const classMetricsSchema = z.object({
  support: z.number().int(),
  predicted: z.number().int(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  brier: z.number().openapi({ description: "One-vs-rest Brier score of the class's probability" }),
  ece: z.number().openapi({ description: "One-vs-rest expected calibration error (10 uniform bins)" }),
  reliability: z
    .array(reliabilityBinSchema)
    .openapi({ description: "Non-empty reliability bins (lower, upper] of the class's probability" }),
});

/** The multiclass metrics of a window (a report's performance block, the dashboard's multiclass panel). */
export const multiclassMetricsSchema = z
  .object({
    n: z.number().int(),
    classes: z.array(z.string()),
    accuracy: z.number(),
    macro_f1: z
      .number()
      .openapi({ description: "Macro-F1 over the classes present in truth or predictions" }),
    log_loss: z.number(),
    brier: z.number().openapi({ description: "Multiclass Brier: mean over rows of Σ_k (p_k − y_k)²" }),
    ece_macro: z.number().openapi({ description: "Mean of the per-class one-vs-rest ECEs" }),
    per_class: z.record(z.string(), classMetricsSchema),
  })
  .openapi("MulticlassMetrics");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _MulticlassMetricsCheck = Fits<typeof multiclassMetricsSchema, MulticlassMetrics>;
