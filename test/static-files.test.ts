import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { buildApp } from "../worker/http/app.ts";
import { STATIC_FILE_BODIES } from "../worker/http/static-file-bodies.ts";
import { BASE } from "./support/http.ts";

/** The dashboard's and Swagger UI's files, served by the Worker (worker/http/routes/static-routes.ts). */
const FILES: [path: string, type: string, contains: string][] = [
  ["/dashboard/app.js", "text/javascript; charset=utf-8", "dashboard"],
  ["/dashboard/charts.js", "text/javascript; charset=utf-8", "uPlot"],
  ["/dashboard/dashboard.css", "text/css; charset=utf-8", "{"],
  ["/dashboard/vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8", "uPlot"],
  ["/dashboard/vendor/uPlot.min.css", "text/css; charset=utf-8", ".uplot"],
  ["/docs/init.js", "text/javascript; charset=utf-8", "SwaggerUIBundle"],
  ["/docs/swagger-ui-bundle.js", "text/javascript; charset=utf-8", "SwaggerUIBundle"],
  ["/docs/swagger-ui.css", "text/css; charset=utf-8", ".swagger-ui"],
];

describe("static files", () => {
  it("serves the dashboard page with its CSP, revalidated on every load", async () => {
    const response = await SELF.fetch(`${BASE}/dashboard`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const html = await response.text();
    expect(html).toContain("<title>edge-inference · monitoring</title>");
    // every file the page loads is served
    for (const src of html.matchAll(/(?:src|href)="(\/dashboard\/[^"]+)"/g)) {
      expect((await SELF.fetch(`${BASE}${src[1]}`)).status, src[1]).toBe(200);
    }
  });

  it.each(FILES)("serves %s as %s with a strong ETag", async (path, type, contains) => {
    const response = await SELF.fetch(`${BASE}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(type);
    expect(response.headers.get("cache-control")).toBe("public, max-age=0, must-revalidate");
    expect(response.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    expect(await response.text()).toContain(contains);
  });

  it("answers If-None-Match with 304 and no body, and a changed tag with the file", async () => {
    const first = await SELF.fetch(`${BASE}/docs/swagger-ui.css`);
    const tag = first.headers.get("etag") ?? "";
    await first.arrayBuffer();
    const again = await SELF.fetch(`${BASE}/docs/swagger-ui.css`, { headers: { "if-none-match": tag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(tag);
    expect(await again.text()).toBe("");
    const stale = await SELF.fetch(`${BASE}/docs/swagger-ui.css`, { headers: { "if-none-match": '"0"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  it("redirects the other spellings of the page to /dashboard", async () => {
    for (const path of ["/dashboard.html", "/dashboard/"]) {
      const response = await SELF.fetch(`${BASE}${path}`, { redirect: "manual" });
      expect(response.status, path).toBe(307);
      expect(response.headers.get("location"), path).toBe("/dashboard");
    }
  });

  it("is public in a deployed environment, where the dashboard's data is not", async () => {
    const app = buildApp({ staticFiles: STATIC_FILE_BODIES });
    const production = {
      ...env,
      ENVIRONMENT: "production",
      ADMIN_TOKEN: "test-admin-token-0123456789-abcdefghijklmnop",
    };
    for (const [path, status] of [
      ["/dashboard", 200],
      ["/docs/swagger-ui-bundle.js", 200],
      ["/v1/models/kredipusula/dashboard", 401],
    ] as const) {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`${BASE}${path}`), production, ctx);
      await waitOnExecutionContext(ctx);
      expect(response.status, path).toBe(status);
      await response.arrayBuffer();
    }
  });

  it("answers 404 where the app was built without the files (tooling that only lists routes)", async () => {
    const ctx = createExecutionContext();
    const response = await buildApp().fetch(new Request(`${BASE}/docs/swagger-ui.css`), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    await response.arrayBuffer();
  });

  it("refuses other methods with 405", async () => {
    const response = await SELF.fetch(`${BASE}/dashboard/app.js`, { method: "POST" });
    expect(response.status).toBe(405);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    await response.arrayBuffer();
  });
});
