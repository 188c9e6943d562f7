import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { slugSchema } from "../../contracts/manifest.ts";
import { checkModelHealth, degradations, storeReason } from "../../data-plane/model-health-check.ts";
import { servingPlatform } from "../../data-plane/model-views.ts";
import {
  oipInputsMetadata,
  oipOutputsMetadata,
  predictionsToTensors,
  tensorsToRows,
} from "../../data-plane/oip-tensors.ts";
import { runPrediction } from "../../data-plane/prediction-service.ts";
import type { AppEnv } from "../../platform/env.ts";
import { classifyStoreFailure } from "../../platform/store-failure.ts";
import { PROBLEMS, problems, zodFieldErrors } from "../../problems/index.ts";
import { activeVersions, requireServableVersion } from "../../repository/choose-version.ts";
import { listModelRecords, readManifest, requireModelRecord } from "../../repository/registry-reader.ts";
import { versionEntry } from "../../repository/version-lookup.ts";
import { createApiApp } from "../app-factory.ts";
import { encodeResponse, type ResponseTensor } from "../oip/binary-codec.ts";
import { binaryOutputChooser, readInferRequest } from "../oip/infer-request.ts";
import {
  inferRequestSchema,
  repositoryIndexRequestSchema,
  repositoryIndexSchema,
} from "../oip/infer-schema.ts";
import { repositoryIndex, versionReadiness } from "../oip/version-readiness.ts";
import { reportServedVersion, requestScope } from "../request-scope.ts";
import {
  oipInferResponseSchema,
  oipLiveSchema,
  oipModelMetadataSchema,
  oipModelReadySchema,
  oipServerMetadataSchema,
  oipServerReadySchema,
} from "../schemas/oip-view-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";

/** OIP's `{ready}` plus why: the store that is down (never its own error text). */
const serverReadinessSchema = z
  .object({
    ...oipServerReadySchema.shape,
    status: z.enum(["ready", "degraded", "not_ready"]),
    reasons: z.array(z.string()).optional(),
  })
  .openapi("OipServerReadiness");

/** Open Inference Protocol v2 (KServe / Triton REST) with its binary tensor data and model repository extensions. */
const inferBody = {
  required: true,
  description:
    "JSON (any JSON content type, or none as tritonclient sends), or the binary tensor data extension: " +
    "`Inference-Header-Content-Length` bytes of JSON, then each input with `parameters.binary_data_size` as raw " +
    "little-endian bytes (BYTES: 4-byte length-prefixed elements).",
  content: {
    "application/json": { schema: { $ref: "#/components/schemas/InferRequest" } },
    "application/octet-stream": { schema: { type: "string" as const, format: "binary" } },
  },
};
const headerLengthHeader = {
  "Inference-Header-Content-Length": {
    description: "Present when outputs are returned as binary: the length of the JSON part",
    schema: { type: "integer" as const },
  },
};

const ok = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const modelParam = slugSchema.openapi({ param: { name: "model", in: "path" } });
const versionParam = slugSchema.openapi({ param: { name: "version", in: "path" } });

async function modelMetadata(c: Context<AppEnv>, model: string, version?: string) {
  const record = await requireModelRecord(c.env.REGISTRY, model);
  if (version && !versionEntry(record, version))
    throw problems.versionNotFound(model, version, Object.keys(record.versions));
  const manifest = await readManifest(c.env.REGISTRY, model, version ?? record.default);
  return {
    name: model,
    versions: version ? [version] : activeVersions(record),
    platform: servingPlatform(manifest),
    inputs: oipInputsMetadata(manifest),
    outputs: oipOutputsMetadata(manifest),
  } satisfies z.input<typeof oipModelMetadataSchema>;
}

async function infer(c: Context<AppEnv>, model: string, version: string | undefined): Promise<Response> {
  const body = await readInferRequest(c);
  const result = await runPrediction(requestScope(c), {
    model,
    rows: tensorsToRows(body.inputs),
    fieldPath: (row, name) => `inputs[name=${name}].data[${row}]`,
    batchField: "inputs",
    explicitVersion: version,
  });
  reportServedVersion(c, result);
  const wanted = new Set(body.outputs?.map((output) => output.name));
  const response = {
    model_name: model,
    model_version: result.version,
    ...(body.id ? { id: body.id } : {}),
    parameters: { route: result.route, prediction_ids: result.predictions.map((p) => p.id) },
    outputs: predictionsToTensors(result.manifest, result.predictions, wanted) as ResponseTensor[],
  } satisfies z.input<typeof oipInferResponseSchema>;
  const encoded = encodeResponse(response, binaryOutputChooser(body));
  if (encoded.headerLength === null) return c.json(response, 200);
  return c.body(encoded.body as Uint8Array<ArrayBuffer>, 200, {
    "content-type": "application/octet-stream",
    "inference-header-content-length": String(encoded.headerLength),
  });
}

export function oipV2Routes() {
  const app = createApiApp();
  app.openAPIRegistry.register("InferRequest", inferRequestSchema);
  app.openAPIRegistry.register("RepositoryIndexRequest", repositoryIndexRequestSchema);
  const tags = ["open inference protocol v2"];

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Server metadata",
      responses: { 200: ok(oipServerMetadataSchema, "Server metadata") },
    }),
    (c) =>
      c.json(
        { name: "edge-inference", version: "0.1.0", extensions: ["binary_tensor_data", "model_repository"] },
        200,
      ),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/health/live",
      tags,
      summary: "Liveness",
      responses: { 200: ok(oipLiveSchema, "Live") },
    }),
    (c) => c.json({ live: true }, 200),
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/health/ready",
      tags,
      summary: "Readiness: the registry answers and lists models; `degraded` (still 200) when D1 is down",
      responses: {
        200: ok(serverReadinessSchema, "Ready (status ready, or degraded: serving works, D1 is down)"),
        503: ok(serverReadinessSchema, "Not ready: no model, or KV is down (then with Retry-After)"),
      },
    }),
    async (c) => {
      const [listed, around] = await Promise.all([
        listModelRecords(c.env.REGISTRY).then(
          (models) => ({ models, failure: null }),
          (error: unknown) => {
            const failure = classifyStoreFailure(error);
            if (!failure) throw error;
            return { models: [], failure };
          },
        ),
        degradations(c.env),
      ]);
      const reasons = [
        ...(listed.failure
          ? [storeReason(listed.failure, "the registry cannot be read, nothing is served")]
          : []),
        ...(!listed.failure && listed.models.length === 0 ? ["no model is published"] : []),
        ...around.reasons,
      ];
      const ready = listed.models.length > 0;
      if (listed.failure) c.header("retry-after", String(PROBLEMS.storeUnavailable.retryAfterSeconds));
      const body = {
        ready,
        status: !ready ? "not_ready" : around.reasons.length > 0 ? "degraded" : "ready",
        ...(reasons.length > 0 ? { reasons } : {}),
      } satisfies z.input<typeof serverReadinessSchema>;
      return c.json(body, ready ? 200 : 503) as never;
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}",
      tags,
      summary: "Model metadata",
      request: { params: z.object({ model: modelParam }) },
      responses: { 200: ok(oipModelMetadataSchema, "Metadata"), ...problemResponses(404) },
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
      responses: { 200: ok(oipModelMetadataSchema, "Metadata"), ...problemResponses(404) },
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
      responses: { 200: ok(oipModelReadySchema, "Ready"), ...problemResponses(404, 503) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      await requireModelRecord(c.env.REGISTRY, model);
      const health = await checkModelHealth(requestScope(c), model);
      const ready = health.model_loaded;
      return c.json(
        {
          name: model,
          ready,
          ...(ready ? {} : { reason: health.detail ?? "default version cannot serve" }),
        } satisfies z.input<typeof oipModelReadySchema>,
        ready ? 200 : 503,
      ) as never;
    },
  );
  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}/versions/{version}/ready",
      tags,
      summary: "Version readiness",
      request: { params: z.object({ model: modelParam, version: versionParam }) },
      responses: {
        200: ok(oipModelReadySchema, "Ready"),
        503: ok(oipModelReadySchema, "Not ready (reason says why)"),
        ...problemResponses(404),
      },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const record = await requireModelRecord(c.env.REGISTRY, model);
      if (!versionEntry(record, version)) requireServableVersion(record, version);
      const readiness = await versionReadiness(c.env, record, version);
      const ready = readiness.state === "READY";
      return c.json(
        {
          name: model,
          version,
          ready,
          ...(ready ? {} : { reason: readiness.reason }),
        } satisfies z.input<typeof oipModelReadySchema>,
        ready ? 200 : 503,
      ) as never;
    },
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/repository/index",
      tags,
      summary: "Model repository index: every version with READY / UNAVAILABLE and the reason",
      request: {
        body: {
          required: false,
          description: 'Optional `{ "ready": true }` lists only versions that can serve; any content type.',
          content: {
            "application/json": { schema: { $ref: "#/components/schemas/RepositoryIndexRequest" } },
          },
        },
      },
      responses: {
        200: {
          description: "Index",
          content: { "application/json": { schema: repositoryIndexSchema } },
        },
        ...problemResponses(400, 422),
      },
    }),
    async (c) => {
      const text = await c.req.text();
      let parsed: unknown = {};
      if (text.trim()) {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw problems.malformedJson("Malformed JSON in request body.");
        }
      }
      const request = repositoryIndexRequestSchema.safeParse(parsed);
      if (!request.success) throw problems.validation(zodFieldErrors(request.error));
      return c.json(await repositoryIndex(c.env, request.data.ready === true), 200);
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
        body: inferBody,
      },
      responses: {
        200: {
          ...ok(oipInferResponseSchema, "Inference response (JSON, or JSON header + binary outputs)"),
          headers: headerLengthHeader,
        },
        ...problemResponses(400, 404, 409, 413, 415, 422, 429, 503),
      },
    }),
    async (c) => (await infer(c, c.req.valid("param").model, undefined)) as never,
  );
  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/versions/{version}/infer",
      tags,
      summary: "Inference on an explicit version",
      request: {
        params: z.object({ model: modelParam, version: versionParam }),
        body: inferBody,
      },
      responses: {
        200: {
          ...ok(oipInferResponseSchema, "Inference response (JSON, or JSON header + binary outputs)"),
          headers: headerLengthHeader,
        },
        ...problemResponses(400, 404, 409, 413, 415, 422, 429, 503),
      },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      return (await infer(c, model, version)) as never;
    },
  );
  return app;
}
