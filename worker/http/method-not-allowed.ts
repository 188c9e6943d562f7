import type { Hono } from "hono";

interface RoutePattern {
  method: string;
  pattern: RegExp;
}

function toPattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => {
      if (segment === "*") return ".*";
      if (segment.startsWith(":")) return "[^/]+";
      return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return new RegExp(`^${source}/?$`);
}

/** Methods registered for a path (ignoring middleware-only `ALL` routes), to tell 405 from 404. */
export function allowedMethods(app: Hono<never>, path: string): string[] {
  const routes: RoutePattern[] = app.routes
    .filter((route) => route.method !== "ALL")
    .map((route) => ({ method: route.method, pattern: toPattern(route.path) }));
  const methods = new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method));
  if (methods.has("GET")) methods.add("HEAD");
  return [...methods].sort();
}
