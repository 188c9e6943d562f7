import { z } from "@hono/zod-openapi";
import { PROBLEMS, problemTypeUri } from "../../problems/index.ts";

const problemSchema = z
  .object({
    type: z.string().openapi({ example: problemTypeUri(PROBLEMS.validation.slug) }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(z.object({ field: z.string(), message: z.string() }))
      .optional()
      .openapi({ example: [{ field: "inputs.age", message: "must be >= 18" }] }),
    error: z.string().openapi({ description: "The detail again, for Open Inference Protocol clients." }),
  })
  .openapi("Problem");

const problemContent = { "application/problem+json": { schema: problemSchema } };

/** Standard error responses for a route's OpenAPI description. */
export function problemResponses(...statuses: number[]) {
  const descriptions: Record<number, string> = {
    400: "Malformed request (e.g. invalid JSON)",
    401: "Missing or invalid credentials",
    403: "Credentials lack the required scope",
    404: "Unknown model, version or resource",
    409: "Conflict with the current registry state",
    413: "Request body too large",
    422: "Validation failed; `errors` names every bad field",
    429: "Rate limit exceeded; see Retry-After",
    503: "A store (D1, KV or R2) is unavailable, an artifact is missing or corrupt, or inference failed; see Retry-After",
  };
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: descriptions[status] ?? "Error", content: problemContent },
    ]),
  );
}
