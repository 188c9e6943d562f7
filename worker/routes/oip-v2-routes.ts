import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createApiApp } from "../app-factory.ts";
import type { AppEnv } from "../env.ts";
import { notFoundProblem } from "../http/problem.ts";
import { listModelRecords, readManifest, requireModelRecord } from "../registry/registry-reader.ts";
import { versionEntry } from "../registry/version-lookup.ts";
import { activeVersions, requireServableVersion } from "../routing/choose-version.ts";
import { slugSchema } from "../schemas/manifest.ts";
import { problemResponses } from "../schemas/problem-schema.ts";
import { checkModelHealth } from "../services/model-health-check.ts";
import { servingPlatform } from "../services/model-views.ts";
import {
  oipInputsMetadata,
  oipOutputsMetadata,
  predictionsToTensors,
  tensorsToRows,
} from "../services/oip-tensors.ts";
import { runPrediction } from "../services/prediction-service.ts";

/** Open Inference Protocol v2 (KServe / Triton REST), so existing clients work unchanged. */
const tensorSchema = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().nonnegative()),
  datatype: z.enum(["BOOL", "UINT8", "INT8", "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES"]),
  data: z.array(z.unknown()),
  parameters: z.record(z.string(), z.unknown()).optional(),
});

const inferRequestSchema = z
  .object({
    id: z.string().optional(),
    inputs: z.array(tensorSchema).min(1),
    outputs: z.array(z.object({ name: z.string() })).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  })
  .openapi("InferRequest", {
    example: {
      id: "42",
      inputs: [
        { name: "income", shape: [1], datatype: "FP32", data: [50000] },
        { name: "age", shape: [1], datatype: "FP32", data: [35] },
        { name: "credit_history", shape: [1], datatype: "BYTES", data: ["good"] },
        { name: "loan_amount", shape: [1], datatype: "FP32", data: [10000] },
        { name: "employment_years", shape: [1], datatype: "FP32", data: [5] },
      ],
    },
  });

const looseObject = z.record(z.string(), z.unknown());
const ok = (description: string) => ({
  description,
  content: { "application/json": { schema: looseObject } },
});
const modelParam = slugSchema.openapi({ param: { name: "model", in: "path" } });
const versionParam = slugSchema.openapi({ param: { name: "version", in: "path" } });

async function modelMetadata(c: Context<AppEnv>, model: string, version?: string) {
  const record = await requireModelRecord(c.env.REGISTRY, model);
  if (version && !versionEntry(record, version))
    throw notFoundProblem(`Model "${model}" has no version "${version}".`);
  const manifest = await readManifest(c.env.REGISTRY, model, version ?? record.default);
  return {
    name: model,
    versions: version ? [version] : activeVersions(record),
    platform: servingPlatform(manifest),
    inputs: oipInputsMetadata(manifest),
    outputs: oipOutputsMetadata(manifest),
  };
}

async function infer(
  c: Context<AppEnv>,
  model: string,
  version: string | undefined,
  body: z.infer<typeof inferRequestSchema>,
) {
  const result = await runPrediction(c, {
    model,
    rows: tensorsToRows(body.inputs),
    fieldPath: (row, name) => `inputs[name=${name}].data[${row}]`,
    batchField: "inputs",
    explicitVersion: version,
  });
  const wanted = new Set(body.outputs?.map((output) => output.name));
  return {
    model_name: model,
    model_version: result.version,
    ...(body.id ? { id: body.id } : {}),
    parameters: { route: result.route, prediction_ids: result.predictions.map((p) => p.id) },
    outputs: predictionsToTensors(result.manifest, result.predictions, wanted),
  };
}

export function oipV2Routes() {
  const app = createApiApp();
  const tags = ["open inference protocol v2"];

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Server metadata",
      responses: { 200: ok("Server metadata") },
    }),
    (c) => c.json({ name: "edge-inference", version: "0.1.0", extensions: ["model_repository"] }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/health/live",
      tags,
      summary: "Liveness",
      responses: { 200: ok("Live") },
    }),
    (c) => c.json({ live: true }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/health/ready",
      tags,
      summary: "Readiness: the registry answers and lists models",
      responses: { 200: ok("Ready"), ...problemResponses(503) },
    }),
    async (c) => {
      const models = await listModelRecords(c.env.REGISTRY);
      return c.json({ ready: models.length > 0 }, models.length > 0 ? 200 : 503) as never;
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}",
      tags,
      summary: "Model metadata",
      request: { params: z.object({ model: modelParam }) },
      responses: { 200: ok("Metadata"), ...problemResponses(404) },
    }),
    async (c) => c.json(await modelMetadata(c, c.req.valid("param").model), 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}/versions/{version}",
      tags,
      summary: "Model version metadata",
      request: { params: z.object({ model: modelParam, version: versionParam }) },
      responses: { 200: ok("Metadata"), ...problemResponses(404) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      return c.json(await modelMetadata(c, model, version), 200);
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}/ready",
      tags,
      summary: "Model readiness (its default version loads)",
      request: { params: z.object({ model: modelParam }) },
      responses: { 200: ok("Ready"), ...problemResponses(404, 503) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      await requireModelRecord(c.env.REGISTRY, model);
      const health = await checkModelHealth(c.env, model);
      return c.json({ name: model, ready: health.model_loaded }, health.model_loaded ? 200 : 503) as never;
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}/versions/{version}/ready",
      tags,
      summary: "Version readiness",
      request: { params: z.object({ model: modelParam, version: versionParam }) },
      responses: { 200: ok("Ready"), ...problemResponses(404, 409) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const record = await requireModelRecord(c.env.REGISTRY, model);
      requireServableVersion(record, version);
      return c.json({ name: model, version, ready: true }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/infer",
      tags,
      summary: "Inference (routes like /v1 predict: default or A/B)",
      request: {
        params: z.object({ model: modelParam }),
        body: { required: true, content: { "application/json": { schema: inferRequestSchema } } },
      },
      responses: { 200: ok("Inference response"), ...problemResponses(400, 404, 409, 413, 422, 429, 503) },
    }),
    async (c) => c.json(await infer(c, c.req.valid("param").model, undefined, c.req.valid("json")), 200),
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/versions/{version}/infer",
      tags,
      summary: "Inference on an explicit version",
      request: {
        params: z.object({ model: modelParam, version: versionParam }),
        body: { required: true, content: { "application/json": { schema: inferRequestSchema } } },
      },
      responses: { 200: ok("Inference response"), ...problemResponses(400, 404, 409, 413, 422, 429, 503) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      return c.json(await infer(c, model, version, c.req.valid("json")), 200);
    },
  );
  return app;
}
