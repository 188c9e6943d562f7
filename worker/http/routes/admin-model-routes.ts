import { createRoute, type z } from "@hono/zod-openapi";
import { publishVersion } from "../../data-plane/publish-service.ts";
import {
  auditContext,
  changeModel,
  promoteVersion,
  registryView,
} from "../../data-plane/registry-admin-service.ts";
import { problems } from "../../problems/index.ts";
import { requireFitDriftChoices } from "../../repository/drift-choice-check.ts";
import {
  addShadow,
  archive,
  removeShadow,
  restore,
  rollback,
  setThresholds,
  setWeights,
} from "../../repository/registry-mutations.ts";
import { requireRecord } from "../../repository/registry-reader.ts";
import {
  listRegistryModels,
  readAuthoritativeRecord,
  readProjectedRevision,
  syncModelRecord,
} from "../../repository/registry-store.ts";
import { createApiApp } from "../app-factory.ts";
import { asJson } from "../as-json.ts";
import { requestScope } from "../request-scope.ts";
import {
  modelParams,
  promoteBodySchema,
  publishFormSchema,
  thresholdsBodySchema,
  versionParams,
  weightsBodySchema,
} from "../schemas/admin-schemas.ts";
import {
  publishResponseSchema,
  registryListSchema,
  registryViewSchema,
} from "../schemas/admin-view-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";

const json = (description: string, schema: z.ZodType = registryViewSchema) => ({
  description,
  content: { "application/json": { schema } },
});
const tags = ["admin"];
const ADMIN_ERRORS = [401, 403, 404, 409, 422, 429, 503] as const;

async function parseManifestPart(part: string | File): Promise<unknown> {
  const text = typeof part === "string" ? part : await part.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw problems.manifestNotJson(error);
  }
}

/** Registry administration under /v1/admin: every change is compare-and-set in D1 and audited. */
export function adminModelRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "get",
      path: "/models",
      tags,
      summary: "Every model's authoritative registry record and the revision KV serves here",
      responses: { 200: json("Registry", registryListSchema), ...problemResponses(401, 403, 429, 503) },
    }),
    async (c) => {
      const names = await listRegistryModels(c.env);
      const models = await Promise.all(
        names.map(async (name) => ({
          ...registryView(await readAuthoritativeRecord(c.env, name)),
          kv_revision: await readProjectedRevision(c.env.REGISTRY, name),
        })),
      );
      return c.json(asJson({ models }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/models/{model}",
      tags,
      summary: "A model's authoritative registry record (D1) and the revision KV serves here",
      request: { params: modelParams },
      responses: { 200: json("Registry record"), ...problemResponses(401, 403, 404, 429, 503) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const record = requireRecord(await readAuthoritativeRecord(c.env, model), model);
      return c.json(
        asJson({ ...registryView(record), kv_revision: await readProjectedRevision(c.env.REGISTRY, model) }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/versions",
      tags,
      summary:
        "Publish a version (multipart: manifest + model [+ engine]). Verified with the engine that will serve it before anything is written",
      request: {
        params: modelParams,
        body: { required: true, content: { "multipart/form-data": { schema: publishFormSchema } } },
      },
      responses: {
        201: json("Published", publishResponseSchema),
        200: json("Already published with identical bytes and manifest (no-op)", publishResponseSchema),
        ...problemResponses(...ADMIN_ERRORS, 413),
      },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const form = c.req.valid("form");
      const bytes = new Uint8Array(await form.model.arrayBuffer());
      const outcome = await publishVersion(
        c.env,
        model,
        await parseManifestPart(form.manifest),
        bytes,
        auditContext(requestScope(c)),
        { engine: form.engine ?? "auto" },
      );
      return c.json(
        asJson({
          status: outcome.status,
          model,
          version: outcome.manifest.version,
          verification: outcome.verification,
          registry: registryView(outcome.record),
        }),
        outcome.status === "created" ? 201 : 200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/promote",
      tags,
      summary: "Make a version the default (ends any A/B split; the old default is kept for rollback)",
      request: {
        params: modelParams,
        body: { required: true, content: { "application/json": { schema: promoteBodySchema } } },
      },
      responses: { 200: json("Promoted"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const { version } = c.req.valid("json");
      const update = await promoteVersion(requestScope(c), model, version);
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/rollback",
      tags,
      summary: "Return to the previous default (ends any A/B split)",
      request: { params: modelParams },
      responses: { 200: json("Rolled back"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const update = await changeModel(requestScope(c), model, "rollback", null, (record, now, details) => {
        const result = rollback(record, now);
        Object.assign(details, { from: record.default, to: result.to });
        return result.record;
      });
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/models/{model}/weights",
      tags,
      summary: "Set A/B weights (active versions, summing to 1); {} ends the split",
      request: {
        params: modelParams,
        body: { required: true, content: { "application/json": { schema: weightsBodySchema } } },
      },
      responses: { 200: json("Weights set"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const { weights, reshuffle } = c.req.valid("json");
      const update = await changeModel(
        requestScope(c),
        model,
        "set_weights",
        null,
        (record, now, details) => {
          Object.assign(details, {
            from: record.traffic.weights,
            to: weights,
            reshuffle: reshuffle ?? false,
          });
          return setWeights(record, weights, now, reshuffle);
        },
      );
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/models/{model}/thresholds",
      tags,
      summary:
        "Override monitoring thresholds (drift and its methods, performance, error rate, window); any subset; psi_warn < psi_drift",
      request: {
        params: modelParams,
        body: { required: true, content: { "application/json": { schema: thresholdsBodySchema } } },
      },
      responses: { 200: json("Thresholds set"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const patch = c.req.valid("json");
      await requireFitDriftChoices(c.env.REGISTRY, model, patch.drift_methods);
      const update = await changeModel(
        requestScope(c),
        model,
        "set_thresholds",
        null,
        (record, _now, details) => {
          Object.assign(details, { from: record.thresholds, set: patch });
          return setThresholds(record, patch);
        },
      );
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/models/{model}/shadows/{version}",
      tags,
      summary: "Score a version in the shadow of every request (logged, never returned)",
      request: { params: versionParams },
      responses: { 200: json("Shadow added"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const update = await changeModel(requestScope(c), model, "add_shadow", version, (record, now) =>
        addShadow(record, version, now),
      );
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/models/{model}/shadows/{version}",
      tags,
      summary: "Stop shadow-scoring a version",
      request: { params: versionParams },
      responses: { 200: json("Shadow removed"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const update = await changeModel(requestScope(c), model, "remove_shadow", version, (record, now) =>
        removeShadow(record, version, now),
      );
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/versions/{version}/archive",
      tags,
      summary: "Stop serving a version (bytes and manifest are kept; restore brings it back)",
      request: { params: versionParams },
      responses: { 200: json("Archived"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const update = await changeModel(requestScope(c), model, "archive", version, (record, now) =>
        archive(record, version, now),
      );
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/versions/{version}/restore",
      tags,
      summary: "Serve an archived version again",
      request: { params: versionParams },
      responses: { 200: json("Restored"), ...problemResponses(...ADMIN_ERRORS) },
    }),
    async (c) => {
      const { model, version } = c.req.valid("param");
      const update = await changeModel(requestScope(c), model, "restore", version, (record) =>
        restore(record, version),
      );
      return c.json(asJson(registryView(update.record, update)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/models/{model}/sync",
      tags,
      summary: "Re-project the authoritative D1 record to KV (repairs a failed projection)",
      request: { params: modelParams },
      responses: { 200: json("Synced"), ...problemResponses(401, 403, 404, 429, 503) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const record = requireRecord(
        (await syncModelRecord(c.env, model)) ?? (await readAuthoritativeRecord(c.env, model)),
        model,
      );
      return c.json(
        asJson({ ...registryView(record), kv_revision: await readProjectedRevision(c.env.REGISTRY, model) }),
        200,
      );
    },
  );

  return app;
}
