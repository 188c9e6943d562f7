import { z } from "@hono/zod-openapi";
import { slugSchema } from "./manifest.ts";

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

export const keyCreateSchema = z
  .object({
    name: z.string().min(1).max(100).optional().openapi({ example: "mobile-app" }),
    scopes: z
      .array(z.enum(["predict", "admin"]))
      .min(1)
      .default(["predict"]),
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

export const looseObject = z.record(z.string(), z.unknown());
