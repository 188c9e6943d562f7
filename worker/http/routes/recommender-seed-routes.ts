import { createRoute, z } from "@hono/zod-openapi";
import { slugSchema } from "../../contracts/manifest.ts";
import { describeVersions } from "../../data-plane/model-views.ts";
import { promoteVersion } from "../../data-plane/registry-admin-service.ts";
import { readSeedModelHealth } from "../../data-plane/seed-model-health.ts";
import { isoSeconds } from "../../platform/iso-time.ts";
import { requireModelRecord } from "../../repository/registry-reader.ts";
import { MAX_BATCH_ROWS } from "../../vocabulary/index.ts";
import { createApiApp } from "../app-factory.ts";
import { requestScope } from "../request-scope.ts";
import { documentedRow, featureRowJsonSchema, type JsonSchema } from "../schemas/feature-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";
import { seedModelHealthSchema } from "../schemas/seed-view-schemas.ts";
import { shippedModel } from "../schemas/shipped-models.ts";
import {
  loadVersionResponseSchema,
  ratingResponseSchema,
  recommenderVersionsSchema,
} from "../schemas/view-schemas.ts";
import { RECOMMENDER_MODEL, recommenderAnswer } from "./recommender-answer.ts";

const loadVersionParams = z.object({
  version_name: slugSchema.openapi({
    param: { name: "version_name", in: "path" },
    example: "v2_random_forest",
  }),
});

const recommender = shippedModel(RECOMMENDER_MODEL);
const levels = recommender.interval_levels;
const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: "null" }] });
/** The seed's per-request options beside the features, as parseVersion/parseFlag/parseLevel accept them. */
const SEED_OPTION_SCHEMAS: Record<string, JsonSchema> = {
  version_name: {
    description: "Serve this version explicitly (else the default, or the A/B split).",
    ...nullable({ type: "string", minLength: 1 }),
  },
  enable_ab_testing: {
    description: "true/1: split across versions; false/0: pin the default.",
    ...nullable({ anyOf: [{ type: "boolean" }, { enum: ["true", "false", "1", "0", 1, 0] }] }),
  },
  ...(levels.length
    ? {
        interval_level: {
          description: "Coverage of the returned conformal interval.",
          ...nullable({ enum: [...levels, ...levels.map(String)] }),
        },
      }
    : {}),
};
/** In a batch the options are read from the query only; row fields of the same names are ignored. */
const BATCH_ROW = featureRowJsonSchema(recommender, {
  version_name: {},
  enable_ab_testing: {},
  interval_level: {},
});

export const predictBodySchema = z
  .union([
    documentedRow(featureRowJsonSchema(recommender, SEED_OPTION_SCHEMAS)).openapi("RatingPredictRow", {
      description: "One row of features, optionally with version_name / enable_ab_testing / interval_level.",
    }),
    z
      .array(documentedRow(BATCH_ROW))
      .min(1)
      .max(MAX_BATCH_ROWS)
      .openapi({ description: `A batch of rows (1 to ${MAX_BATCH_ROWS}).` }),
  ])
  .openapi("RatingPredictRequest", { example: recommender.examples[0] });

const predictQuerySchema = z.object({
  version_name: z.string().optional().openapi({ minLength: 1 }),
  enable_ab_testing: z.enum(["true", "false", "1", "0"]).optional(),
  // Parsed by parseLevel (any number) and then checked against the served version's levels.
  interval_level: z
    .string()
    .optional()
    .openapi({ enum: levels.map(String), description: "Coverage of the returned conformal interval." }),
});

/** The rating recommender seed's API, verbatim paths and shapes. */
export function recommenderSeedRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "get",
      path: "/versions",
      tags: ["seed: recommender"],
      summary: "All recommender versions with their holdout metrics",
      responses: {
        200: {
          description: "Versions",
          content: { "application/json": { schema: recommenderVersionsSchema } },
        },
        ...problemResponses(404),
      },
    }),
    async (c) => {
      const record = await requireModelRecord(c.env.REGISTRY, RECOMMENDER_MODEL);
      const versions = await describeVersions(c.env.REGISTRY, record);
      return c.json(
        {
          model: RECOMMENDER_MODEL,
          current_version: record.default,
          ab_testing: { weights: record.traffic.weights, shadow: record.traffic.shadow },
          versions,
        },
        200,
      ) as never; // open-ended params/metrics: checked by VersionCheck in schemas/view-schemas.ts
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/load_version/{version_name}",
      tags: ["seed: recommender"],
      summary:
        "Make a version the recommender's default: the admin promote (admin scope; audited; ends any A/B split)",
      request: { params: loadVersionParams },
      responses: {
        200: {
          description: "Version loaded",
          content: { "application/json": { schema: loadVersionResponseSchema } },
        },
        ...problemResponses(401, 403, 404, 409, 422, 429, 503),
      },
    }),
    async (c) => {
      const { version_name } = c.req.valid("param");
      const update = await promoteVersion(requestScope(c), RECOMMENDER_MODEL, version_name);
      const previous = update.record?.previous_defaults?.at(-1) ?? null;
      return c.json(
        {
          status: "success" as const,
          message: update.changed
            ? `Model version ${version_name} loaded`
            : `Model version ${version_name} is already loaded`,
          current_version: update.record?.default ?? version_name,
          previous_version: update.changed ? previous : null,
          revision: update.record?.revision ?? null,
          timestamp: isoSeconds(),
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/predict",
      tags: ["seed: recommender"],
      summary:
        "Predict a rating (or a batch) with its conformal interval and LAC prediction set; optional version_name and enable_ab_testing in the body or query",
      request: {
        query: predictQuerySchema,
        body: { required: true, content: { "application/json": { schema: predictBodySchema } } },
      },
      responses: {
        200: {
          description:
            "Rating (clipped to 1–5) with a split-conformal interval (per Mondrian group when the version's manifest has intervals.groups) and, beside it, the LAC prediction set over ratings 1–5",
          content: { "application/json": { schema: ratingResponseSchema } },
        },
        ...problemResponses(400, 404, 409, 413, 422, 429, 503),
      },
    }),
    async (c) => {
      const answer = await recommenderAnswer(requestScope(c), c.req.valid("json"), c.req.valid("query"));
      for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
      return c.json(answer.body, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/model_health",
      tags: ["seed: recommender"],
      summary:
        "RMSE and R² over the last 24 h; unhealthy only when a 95 % bound excludes RMSE < 1.0 or R² > 0.6 (bounds and verdict_rule in the answer)",
      responses: {
        200: {
          description: "Model health",
          content: { "application/json": { schema: seedModelHealthSchema } },
        },
        ...problemResponses(404, 503),
      },
    }),
    async (c) => c.json(await readSeedModelHealth(requestScope(c), RECOMMENDER_MODEL), 200),
  );

  return app;
}
