import { z } from "@hono/zod-openapi";

/** Open Inference Protocol v2 JSON responses; the routes check what they return with `satisfies z.input<…>`. */
export const oipServerMetadataSchema = z
  .object({ name: z.string(), version: z.string(), extensions: z.array(z.string()) })
  .openapi("OipServerMetadata");

const tensorMetadataSchema = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number()) });
export const oipModelMetadataSchema = z
  .object({
    name: z.string(),
    versions: z.array(z.string()),
    platform: z.string(),
    inputs: z.array(tensorMetadataSchema),
    outputs: z.array(tensorMetadataSchema),
  })
  .openapi("OipModelMetadata");

export const oipLiveSchema = z.object({ live: z.boolean() }).openapi("OipLive");
export const oipServerReadySchema = z.object({ ready: z.boolean() }).openapi("OipServerReady");
export const oipModelReadySchema = z
  .object({
    name: z.string(),
    version: z.string().optional(),
    ready: z.boolean(),
    reason: z.string().optional().openapi({ description: "Why it is not ready (503 only)" }),
  })
  .openapi("OipModelReady");

export const oipInferResponseSchema = z
  .object({
    model_name: z.string(),
    model_version: z.string(),
    id: z.string().optional(),
    parameters: z.object({ route: z.string(), prediction_ids: z.array(z.string()) }),
    outputs: z.array(
      z.object({
        name: z.string(),
        datatype: z.string(),
        shape: z.array(z.number()),
        data: z
          .array(z.unknown())
          .optional()
          .openapi({ description: "Absent when the output is returned as binary" }),
        parameters: z
          .record(z.string(), z.unknown())
          .optional()
          .openapi({ description: "`binary_data_size` when the output is binary" }),
      }),
    ),
  })
  .openapi("OipInferResponse");
