import { z } from "@hono/zod-openapi";
import { slugSchema } from "../../contracts/manifest.ts";
import { driftMethodsSchema } from "../../monitoring/drift/method-choice-schema.ts";
import { PERFORMANCE_BARS_REQUEST_SHAPE } from "../../tasks/index.ts";
import { ENGINE_CHOICES, SCOPES } from "../../vocabulary/index.ts";

export const modelParams = z.object({
  model: slugSchema.openapi({ param: { name: "model", in: "path" }, example: "recommender" }),
});
export const versionParams = modelParams.extend({
  version: slugSchema.openapi({ param: { name: "version", in: "path" }, example: "v2_random_forest" }),
});

export const publishFormSchema = z
  .object({
    manifest: z
      .union([z.string(), z.instanceof(File)])
      .openapi({ type: "string", description: "manifest.json (text field or file part)" }),
    model: z.instanceof(File).openapi({ type: "string", format: "binary", description: "model.onnx" }),
    engine: z.enum(ENGINE_CHOICES).optional().openapi({
      description:
        "Serving engine. auto (default): compact when every operator is in its set, else onnxruntime-web (when the build has it). A forced engine that cannot run the graph is a 422.",
    }),
  })
  .openapi("PublishVersionForm");

export const promoteBodySchema = z
  .object({ version: slugSchema.openapi({ example: "v2_random_forest" }) })
  .strict()
  .openapi("PromoteRequest");

export const weightsBodySchema = z
  .object({
    weights: z
      .record(slugSchema, z.number())
      .openapi({ example: { v1_auto_select: 0.9, v2_random_forest: 0.1 } }),
    /** A new salt reassigns every subject to an arm. */
    reshuffle: z.boolean().optional(),
  })
  .strict()
  .openapi("WeightsRequest");

const share = z.number().gt(0).lt(1);
const positive = z.number().gt(0);

/** Per-model monitoring thresholds (DESIGN's defaults are overridable in the registry); any subset. */
export const thresholdsBodySchema = z
  .object({
    psi_warn: positive.optional(),
    psi_drift: positive.optional(),
    p_value: share.optional(),
    dataset_drift_share: share.optional(),
    ...PERFORMANCE_BARS_REQUEST_SHAPE,
    error_rate_max: share.optional(),
    min_feedback: z.number().int().min(1).optional(),
    window_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .optional(),
    drift_methods: driftMethodsSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, { message: "set at least one threshold", path: ["(body)"] })
  .refine(
    (body) => body.psi_warn === undefined || body.psi_drift === undefined || body.psi_warn < body.psi_drift,
    {
      message: "psi_warn must be below psi_drift",
      path: ["psi_warn"],
    },
  )
  .openapi("ThresholdsRequest", { example: { rmse_max: 0.9, r2_min: 0.65 } });

export const keyCreateSchema = z
  .object({
    name: z.string().min(1).max(100).optional().openapi({ example: "mobile-app" }),
    scopes: z.array(z.enum(SCOPES)).min(1).default(["predict"]),
  })
  .strict()
  .openapi("ApiKeyCreateRequest");

export const keyParams = z.object({
  id: z
    .string()
    .regex(/^[a-f0-9]{16}$/, "a 16-hex-digit key id")
    .openapi({ param: { name: "id", in: "path" }, example: "3f2a9c0d1e4b5a6f" }),
});

export const auditQuerySchema = z.object({
  model: slugSchema.optional(),
  action: z.string().max(40).optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
