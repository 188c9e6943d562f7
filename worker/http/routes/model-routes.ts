import { createRoute, z } from "@hono/zod-openapi";
import { slugSchema } from "../../contracts/manifest.ts";
import { describeModel, describeVersion, describeVersions } from "../../data-plane/model-views.ts";
import { recommend } from "../../data-plane/recommendation-service.ts";
import { problems } from "../../problems/index.ts";
import { listModelRecords, readManifest, requireModelRecord } from "../../repository/registry-reader.ts";
import { versionEntry } from "../../repository/version-lookup.ts";
import { MAX_BATCH_ROWS } from "../../vocabulary/index.ts";
import { createApiApp } from "../app-factory.ts";
import { asJson } from "../as-json.ts";
import { reportServedVersion, requestScope } from "../request-scope.ts";
import {
  predictRequestSchema,
  predictResponseSchema,
  recommendRequestSchema,
  recommendResponseSchema,
} from "../schemas/prediction-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";
import { modelViewSchema, versionsViewSchema, versionViewSchema } from "../schemas/view-schemas.ts";
import { modelPredictAnswer } from "./predict-answers.ts";

const modelParams = z.object({
  model: slugSchema.openapi({ param: { name: "model", in: "path" }, example: "kredipusula" }),
});
const versionParams = modelParams.extend({
  version: slugSchema.openapi({ param: { name: "version", in: "path" }, example: "v1_auto_select" }),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const looseObject = z.record(z.string(), z.unknown());

export function modelRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["models"],
      summary: "List published models",
      responses: { 200: json(z.object({ models: z.array(modelViewSchema) }), "Models") },
    }),
    async (c) => {
      const records = await listModelRecords(c.env.REGISTRY);
      const models = await Promise.all(
        records.map(async (record) =>
          describeModel(record, await readManifest(c.env.REGISTRY, record.name, record.default)),
        ),
      );
      return c.json({ models: models.sort((a, b) => a.name.localeCompare(b.name)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}",
      tags: ["models"],
      summary: "A model: default version, traffic, input/output signature",
      request: { params: modelParams },
      responses: { 200: json(modelViewSchema, "Model"), ...problemResponses(404, 503) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const record = await requireModelRecord(c.env.REGISTRY, model);
      return c.json(describeModel(record, await readManifest(c.env.REGISTRY, model, record.default)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/versions",
      tags: ["models"],
      summary: "A model's versions with status, traffic and holdout metrics",
      request: { params: modelParams },
      responses: {
        200: json(versionsViewSchema, "Versions"),
        ...problemResponses(404),
      },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const record = await requireModelRecord(c.env.REGISTRY, model);
      const versions = await describeVersions(c.env.REGISTRY, record);
      // params/metrics are open-ended JSON: the shape is checked by VersionCheck in schemas/view-schemas.ts.
      return c.json(asJson({ model, default_version: record.default, versions }), 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/versions/{version}",
      tags: ["models"],
      summary: "One version's full manifest",
      request: { params: versionParams },
      responses: {
        200: json(versionViewSchema.extend({ manifest: looseObject }), "The version and its manifest"),
        ...problemResponses(404, 503),
      },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const record = await requireModelRecord(c.env.REGISTRY, model);
      if (!versionEntry(record, version))
        throw problems.versionNotFound(model, version, Object.keys(record.versions));
      const manifest = await readManifest(c.env.REGISTRY, model, version);
      return c.json(asJson({ ...describeVersion(record, version, manifest), manifest }), 200) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/{model}/predict",
      tags: ["predictions"],
      summary: `Predict one row (\`inputs\`) or a batch (\`instances\`, up to ${MAX_BATCH_ROWS.toLocaleString("en-US")} rows)`,
      request: {
        params: modelParams,
        body: { required: true, content: { "application/json": { schema: predictRequestSchema } } },
      },
      responses: {
        200: json(
          predictResponseSchema,
          "Predictions; headers x-model-version and x-model-route name the version and why",
        ),
        ...problemResponses(400, 404, 409, 413, 422, 429, 503),
      },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const answer = await modelPredictAnswer(requestScope(c), model, c.req.valid("json"));
      for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
      return c.json(answer.body, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/{model}/recommendations",
      tags: ["predictions"],
      summary: "Top-k catalog items for a subject, scored in one batch against the model's item catalog",
      request: {
        params: modelParams,
        body: { required: true, content: { "application/json": { schema: recommendRequestSchema } } },
      },
      responses: {
        200: json(recommendResponseSchema, "Ranked items"),
        ...problemResponses(400, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const result = await recommend(requestScope(c), model, c.req.valid("json"));
      reportServedVersion(c, result);
      return c.json(result, 200);
    },
  );

  return app;
}
