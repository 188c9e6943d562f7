import { createRoute, type z } from "@hono/zod-openapi";
import { createApiKey, discardApiKey, listApiKeys, revokeApiKey } from "../../auth/api-keys.ts";
import { auditContext } from "../../data-plane/registry-admin-service.ts";
import { classifyStoreFailure, describeStoreFailure } from "../../platform/store-failure.ts";
import { problems } from "../../problems/index.ts";
import { appendAudit } from "../../repository/audit-log.ts";
import { createApiApp } from "../app-factory.ts";
import { asJson } from "../as-json.ts";
import { requestScope } from "../request-scope.ts";
import { keyCreateSchema, keyParams } from "../schemas/admin-schemas.ts";
import { apiKeySchema, apiKeysSchema, createdApiKeySchema } from "../schemas/admin-view-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";

const json = (description: string, schema: z.ZodType) => ({
  description,
  content: { "application/json": { schema } },
});
const tags = ["admin"];

/** API keys: created with scopes, shown once, stored as SHA-256 only; revoked by id. */
export function adminKeyRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "post",
      path: "/keys",
      tags,
      summary: "Create an API key; the key is in this response only",
      request: { body: { required: true, content: { "application/json": { schema: keyCreateSchema } } } },
      responses: {
        201: json("Created", createdApiKeySchema),
        ...problemResponses(401, 403, 422, 429, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const { key, record } = await createApiKey(c.env.REGISTRY, body);
      try {
        await appendAudit(c.env.DB, null, {
          ...auditContext(requestScope(c)),
          action: "create_key",
          details: { key_id: record.id, name: record.name ?? null, scopes: record.scopes },
        });
      } catch (error) {
        // No un-audited key: the key is removed again (nobody holds it, its secret dies with this response),
        // and the error (a D1 outage: 503 with Retry-After) tells the caller to create one later.
        await discardApiKey(c.env.REGISTRY, key);
        throw error;
      }
      return c.json(
        asJson({
          ...record,
          key,
          note: "Store this key now: only its hash is kept and it cannot be shown again.",
        }),
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/keys",
      tags,
      summary: "List API keys (ids, names, scopes; never the keys)",
      responses: { 200: json("Keys", apiKeysSchema), ...problemResponses(401, 403, 429, 503) },
    }),
    async (c) => c.json(asJson({ keys: await listApiKeys(c.env.REGISTRY) }), 200),
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/keys/{id}",
      tags,
      summary: "Revoke an API key (refused everywhere within ~60 s; at once in this location)",
      request: { params: keyParams },
      responses: {
        200: json("Revoked", apiKeySchema),
        ...problemResponses(401, 403, 404, 422, 429, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      // Revoked first, audited second: with D1 down the key still stops working, and the 503 says so.
      const revoked = await revokeApiKey(c.env.REGISTRY, id);
      if (!revoked) throw problems.notFound(`No API key with id ${id}.`);
      try {
        await appendAudit(c.env.DB, null, {
          ...auditContext(requestScope(c)),
          action: "revoke_key",
          details: { key_id: id, name: revoked.name ?? null },
        });
      } catch (error) {
        const failure = classifyStoreFailure(error);
        if (!failure) throw error;
        // Retrying finds the key revoked already and writes only the audit entry.
        throw problems.storeUnavailable(
          failure.store,
          `${describeStoreFailure(failure)}. Key ${id} IS revoked (refused everywhere within ~60 s), but its audit entry could not be written; retry the same request to record it`,
          { revoked: true, key_id: id },
        );
      }
      return c.json(asJson(revoked), 200);
    },
  );

  return app;
}
