import { z } from "@hono/zod-openapi";
import type { describeModel, describeSignature, describeVersion } from "../../data-plane/model-views.ts";
import { SERVING_ROUTES, TASKS, VERSION_STATUSES } from "../../vocabulary/index.ts";
import { intervalSchema } from "./prediction-schemas.ts";

/**
 * Response schemas of the read endpoints. The `*Check` types below fail to compile when the builders in
 * services/model-views.ts return something these schemas do not describe.
 */
const featureViewSchema = z.object({
  name: z.string(),
  kind: z.enum(["number", "integer", "category"]),
  required: z.boolean(),
  description: z.string(),
  values: z.array(z.string()).optional(),
  allow_unknown: z.boolean().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});

export const signatureSchema = z
  .object({
    task: z.enum(TASKS),
    features: z.array(featureViewSchema),
    output: z.looseObject({ name: z.string() }),
    interval_levels: z.array(z.number()),
  })
  .openapi("ModelSignature");

const servingViewSchema = z.looseObject({ engine: z.string(), platform: z.string() });

export const versionViewSchema = z
  .looseObject({
    version: z.string(),
    status: z.string().openapi({ examples: [...VERSION_STATUSES] }),
    is_default: z.boolean(),
    traffic_weight: z.number(),
    shadow: z.boolean(),
    sha256: z.string().optional(),
    bytes: z.number().optional(),
    published_at: z.string().optional(),
    serving: servingViewSchema.optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    metrics: z.record(z.string(), z.number()).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    trained_at: z.string().optional(),
    mlflow: z.looseObject({ run_id: z.string() }).optional(),
  })
  .openapi("VersionView");

export const modelViewSchema = z
  .object({
    name: z.string(),
    title: z.string(),
    description: z.string(),
    default_version: z.string(),
    versions: z.array(z.string()),
    traffic: z.object({
      weights: z.record(z.string(), z.number()),
      shadow: z.array(z.string()),
      effective_at: z.string(),
    }),
    revision: z.number(),
    updated_at: z.string(),
    signature: signatureSchema,
  })
  .openapi("ModelView");

export const versionsViewSchema = z
  .object({ model: z.string(), default_version: z.string(), versions: z.array(versionViewSchema) })
  .openapi("ModelVersions");

const ratingSchema = z.object({
  prediction_id: z.string(),
  predicted_rating: z.number(),
  confidence_interval: intervalSchema.nullable().optional(),
  prediction_set: z.array(z.number()).optional().openapi({
    description:
      "LAC conformal prediction set over the ratings 1–5 at the interval's level: every rating k with 1 − p(k | ŷ) ≤ the calibrated threshold of the row's Mondrian group, p(k | ŷ) ∝ exp(−(k − ŷ)²/2σ²); the likeliest rating when none qualifies. Present when the version's manifest has intervals.prediction_sets.",
  }),
});
const ratingCommon = {
  model_version: z.string(),
  routing: z.enum(SERVING_ROUTES),
  ab_testing: z.boolean(),
  timestamp: z.string(),
};
export const ratingResponseSchema = z
  .union([
    z.object({ ...ratingSchema.shape, ...ratingCommon }),
    z.object({ predictions: z.array(ratingSchema), ...ratingCommon }),
  ])
  .openapi("RatingPrediction");

export const recommenderVersionsSchema = z
  .object({
    model: z.string(),
    current_version: z.string(),
    ab_testing: z.object({ weights: z.record(z.string(), z.number()), shadow: z.array(z.string()) }),
    versions: z.array(versionViewSchema),
  })
  .openapi("RecommenderVersions");

export const loadVersionResponseSchema = z
  .object({
    status: z.literal("success"),
    message: z.string(),
    current_version: z.string(),
    previous_version: z.string().nullable(),
    revision: z.number().nullable(),
    timestamp: z.string(),
  })
  .openapi("LoadVersionResponse");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _SignatureCheck = Fits<typeof signatureSchema, ReturnType<typeof describeSignature>>;
type _VersionCheck = Fits<typeof versionViewSchema, ReturnType<typeof describeVersion>>;
type _ModelCheck = Fits<typeof modelViewSchema, ReturnType<typeof describeModel>>;
