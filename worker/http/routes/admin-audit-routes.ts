import { createRoute, type z } from "@hono/zod-openapi";
import { listAudit } from "../../repository/audit-log.ts";
import { createApiApp } from "../app-factory.ts";
import { asJson } from "../as-json.ts";
import { auditQuerySchema } from "../schemas/admin-schemas.ts";
import { auditPageSchema } from "../schemas/admin-view-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";

/** Erased for `c.json` (details are open JSON); AuditEntryCheck ties the schema to AuditRow at compile time. */
const pageSchema: z.ZodType = auditPageSchema;

/** The audit log: every registry and key change, newest first. */
export function adminAuditRoutes() {
  const app = createApiApp();
  app.openapi(
    createRoute({
      method: "get",
      path: "/audit",
      tags: ["admin"],
      summary: "Audit log, newest first (filter by model/action; page with before=<id>)",
      request: { query: auditQuerySchema },
      responses: {
        200: { description: "Entries", content: { "application/json": { schema: pageSchema } } },
        ...problemResponses(401, 403, 422, 429, 503),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const entries = await listAudit(c.env.DB, query);
      const last = entries.at(-1);
      return c.json(
        asJson({ entries, next_before: entries.length === query.limit && last ? last.id : null }),
        200,
      );
    },
  );
  return app;
}
