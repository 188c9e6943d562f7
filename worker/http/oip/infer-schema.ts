import { z } from "@hono/zod-openapi";

/** Open Inference Protocol v2 REST request (JSON part), with the binary tensor data extension's parameters. */
const OIP_DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
] as const;

const parametersSchema = z.record(z.string(), z.unknown());

const requestTensorSchema = z
  .object({
    name: z.string().min(1),
    shape: z.array(z.number().int().nonnegative()),
    datatype: z.enum(OIP_DATATYPES),
    /** Absent when `parameters.binary_data_size` says the values follow the JSON header as raw bytes. */
    data: z.array(z.unknown()).optional(),
    parameters: parametersSchema
      .optional()
      .openapi({ description: "`binary_data_size`: bytes of this tensor in the binary part of the body" }),
  })
  .openapi("InferRequestInput");

const requestedOutputSchema = z
  .object({
    name: z.string().min(1),
    parameters: parametersSchema
      .optional()
      .openapi({ description: "`binary_data: true` returns this output as raw bytes after the JSON header" }),
  })
  .openapi("InferRequestedOutput");

export const inferRequestSchema = z
  .object({
    id: z.string().optional(),
    inputs: z.array(requestTensorSchema).min(1),
    outputs: z.array(requestedOutputSchema).optional(),
    parameters: parametersSchema.optional().openapi({
      description: "`binary_data_output: true` returns every output not named otherwise as raw bytes",
    }),
  })
  .openapi("InferRequest", {
    example: {
      id: "42",
      inputs: [
        { name: "income", shape: [1, 1], datatype: "FP32", data: [50000] },
        { name: "age", shape: [1, 1], datatype: "INT64", data: [35] },
        { name: "credit_history", shape: [1, 1], datatype: "BYTES", data: ["good"] },
        { name: "loan_amount", shape: [1, 1], datatype: "FP32", data: [10000] },
        { name: "employment_years", shape: [1, 1], datatype: "INT64", data: [5] },
      ],
    },
  });

export type InferRequest = z.infer<typeof inferRequestSchema>;

export const repositoryIndexRequestSchema = z
  .object({ ready: z.boolean().optional() })
  .openapi("RepositoryIndexRequest");

export const repositoryIndexSchema = z
  .array(
    z.object({
      name: z.string(),
      version: z.string(),
      state: z.enum(["READY", "UNAVAILABLE"]),
      reason: z.string(),
    }),
  )
  .openapi("RepositoryIndex");
