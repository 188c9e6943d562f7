import { z } from "@hono/zod-openapi";
import type { OpenApiDocument } from "./openapi-document.ts";

export const serviceMapSchema = z
  .object({
    service: z.string(),
    docs: z.string(),
    openapi: z.string(),
    dashboard: z.string(),
    endpoints: z
      .record(z.string(), z.array(z.string()))
      .openapi({ description: "`METHOD /path` of every documented operation, by tag" }),
  })
  .openapi("ServiceMap");
export type ServiceMap = z.infer<typeof serviceMapSchema>;

/** `/`: the documented operations grouped by their first tag, in document order. */
export function buildServiceMap(document: OpenApiDocument): ServiceMap {
  const endpoints: Record<string, string[]> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const tag = operation.tags?.[0] ?? "other";
      const list = endpoints[tag] ?? [];
      list.push(`${method.toUpperCase()} ${path}`);
      endpoints[tag] = list;
    }
  }
  return {
    service: "edge-inference",
    docs: "/docs",
    openapi: "/openapi.json",
    dashboard: "/dashboard",
    endpoints,
  };
}
