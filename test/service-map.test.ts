import { describe, expect, it } from "vitest";
import { buildApp } from "../worker/http/app.ts";
import { workerClient } from "./support/http.ts";

const { get } = workerClient();

/**
 * Routes served but deliberately not operations of the OpenAPI document: the document itself and the browser
 * files of the docs and the dashboard (worker/http/routes/static-routes.ts).
 */
const UNDOCUMENTED = new Set(["GET /docs", "GET /openapi.json"]);
const isBrowserFile = (route: string) => /^GET \/(dashboard|docs\/)/.test(route);

/** Every `METHOD /path` the app registers, in OpenAPI's `{param}` form, without middleware. */
function registeredRoutes(): string[] {
  const routes = buildApp()
    .routes.filter((route) => route.method !== "ALL")
    .map((route) => `${route.method} ${route.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}")}`);
  return [...new Set(routes)].filter((route) => !UNDOCUMENTED.has(route) && !isBrowserFile(route));
}

/** `POST /v1/models/kredipusula/predict` matches `POST /v1/models/{model}/predict`. */
function matches(listed: string, route: string): boolean {
  const pattern = route.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+");
  return new RegExp(`^${pattern}$`).test(listed);
}

describe("the / service map", () => {
  it("lists every route the app serves, and nothing it does not serve", async () => {
    const response = await get("/");
    expect(response.status).toBe(200);
    const map = (await response.json()) as { endpoints: Record<string, string[]> };
    const listed = Object.values(map.endpoints).flat();
    const routes = registeredRoutes();

    expect(routes.length).toBeGreaterThanOrEqual(45);
    expect(routes.filter((route) => !listed.includes(route))).toEqual([]);
    expect(listed.filter((entry) => !routes.some((route) => matches(entry, route)))).toEqual([]);
    expect(new Set(listed).size).toBe(listed.length);
  });
});
