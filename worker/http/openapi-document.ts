import { requiredScope } from "../middleware/access-policy.ts";

type Operation = { responses?: Record<string, unknown> };

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

const METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

/**
 * Adds the responses every route shares because of middleware, not because of its own handler: 401/403
 * where the access policy asks for a scope, 429 from the rate limiter, 413 from the body limit on writes.
 * The path table is the access policy's own, so the document cannot drift from what is enforced.
 */
export function withCommonResponses<T extends { paths?: object }>(document: T): T {
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const scope = requiredScope(path.replace(/\{[^}]+\}/g, "x"));
    for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
      if (!METHODS.has(method) || typeof operation !== "object" || operation === null) continue;
      const op = operation as Operation;
      op.responses ??= {};
      const responses = op.responses;
      if (scope) {
        responses["401"] ??= problem("Missing or invalid credentials (Authorization: Bearer or X-API-Key)");
        responses["403"] ??= problem(`The credential lacks the "${scope}" scope`);
      }
      responses["429"] ??= problem("Rate limit exceeded; see Retry-After");
      if (method === "post" || method === "put" || method === "patch") {
        responses["413"] ??= problem("Request body too large");
      }
    }
  }
  return document;
}
