import { z } from "@hono/zod-openapi";
import { slugSchema } from "../../contracts/manifest.ts";
import { predictionIntervalSchema, ROW_VIEW_SHAPE } from "../../tasks/index.ts";
import { SERVING_ROUTES, TASKS } from "../../vocabulary/index.ts";

const isFeatureRow = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * A row is only checked to be an object here: the manifest-driven validator then checks every feature
 * (names, types, ranges) and names each bad field. A generic record schema would walk every key of every
 * row of a 1,000-row batch a second time.
 */
const featureRow = z
  .custom<Record<string, unknown>>(isFeatureRow, { message: "expected an object of feature values" })
  .openapi({
    type: "object",
    additionalProperties: {},
    description: "Raw feature values by name; the model's manifest defines names, types and ranges.",
  });

export const intervalSchema = predictionIntervalSchema;

export const predictRequestSchema = z
  .object({
    inputs: featureRow.optional(),
    instances: z
      .array(featureRow)
      .optional()
      .openapi({ description: "Batch of rows, scored in one ORT call." }),
    version: slugSchema.optional().openapi({ description: "Serve this version explicitly." }),
    ab: z.boolean().optional().openapi({
      description: "true: split across versions; false: pin the default; absent: follow the registry.",
    }),
    interval_level: z
      .number()
      .optional()
      .openapi({ description: "Coverage of the returned interval (e.g. 0.9)." }),
  })
  .strict()
  .refine((body) => (body.inputs === undefined) !== (body.instances === undefined), {
    message: "send exactly one of `inputs` (one row) or `instances` (a batch)",
    path: ["inputs"],
  })
  .openapi("PredictRequest", {
    oneOf: [{ required: ["inputs"] }, { required: ["instances"] }],
    example: {
      inputs: { income: 50000, age: 35, credit_history: "good", loan_amount: 10000, employment_years: 5 },
    },
  });

const rowPredictionSchema = z
  .object({
    id: z.string().openapi({ description: "Prediction id, for feedback." }),
    ...ROW_VIEW_SHAPE,
  })
  .openapi("RowPrediction");

export const predictResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    route: z.enum(SERVING_ROUTES),
    task: z.enum(TASKS),
    predictions: z.array(rowPredictionSchema),
  })
  .openapi("PredictResponse");

export const recommendRequestSchema = z
  .object({
    user: featureRow.openapi({
      description: "The subject's features (everything the catalog does not provide).",
    }),
    k: z.number().int().min(1).max(100).default(10),
    exclude: z
      .array(z.union([z.string(), z.number()]))
      .max(1000)
      .default([]),
    version: slugSchema.optional(),
    ab: z.boolean().optional(),
  })
  .strict()
  .openapi("RecommendRequest", {
    example: { user: { user_id: 1, user_age: 25, user_gender: "M" }, k: 5 },
  });

export const recommendResponseSchema = z
  .object({
    model: z.string(),
    version: z.string(),
    route: z.enum(SERVING_ROUTES),
    items: z.array(
      z.object({
        item: z.record(z.string(), z.union([z.string(), z.number()])),
        score: z.number(),
        interval: intervalSchema.optional(),
        prediction_id: z.string(),
      }),
    ),
  })
  .openapi("RecommendResponse");
