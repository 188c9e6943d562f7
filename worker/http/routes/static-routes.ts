import { Hono } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../../platform/env.ts";

/** The files' contents by URL path: worker/http/static-file-bodies.ts (text modules), given by worker/index.ts. */
export type StaticFileBodies = Readonly<Record<"/dashboard" | keyof typeof FILE_TYPES, string>>;

/**
 * The dashboard's page and scripts and Swagger UI's files, served by the Worker from text modules (staged
 * by scripts/assets/stage-static-files.ts). Without `bodies` (Node tooling that only lists the routes) the
 * same routes exist and answer 404. Not Workers Static Assets: a Worker with [assets] receives every
 * request through the assets router, which in workerd cost more CPU per prediction than the whole
 * prediction (docs/performance.md, "Static files"), for a handful of files an operator loads now and then.
 * Caching as Workers Static Assets does it: a strong ETag (SHA-256 of the file, computed once per isolate),
 * `If-None-Match` answered 304, revalidation on every load.
 */
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const FILE_TYPES = {
  "/dashboard/app.js": JS,
  "/dashboard/charts.js": JS,
  "/dashboard/dashboard.css": CSS,
  "/dashboard/vendor/uPlot.iife.min.js": JS,
  "/dashboard/vendor/uPlot.min.css": CSS,
  "/docs/init.js": JS,
  "/docs/swagger-ui-bundle.js": JS,
  "/docs/swagger-ui.css": CSS,
} as const;
/** The page only loads its own scripts and styles and talks to this origin. */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
const REVALIDATE = "public, max-age=0, must-revalidate";

const etags = new Map<string, Promise<string>>();
async function strongEtag(body: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body)));
  return `"${Array.from(digest.subarray(0, 16), (byte) => byte.toString(16).padStart(2, "0")).join("")}"`;
}
const etagOf = (path: string, body: string): Promise<string> => {
  let tag = etags.get(path);
  if (!tag) {
    tag = strongEtag(body);
    etags.set(path, tag);
  }
  return tag;
};

export function staticRoutes(bodies: StaticFileBodies | undefined) {
  const app = new Hono<AppEnv>();
  app.use("/dashboard", etag());
  app.use("/dashboard/*", etag());
  app.use("/docs/*", etag());
  app.get("/dashboard", async (c) => {
    const dashboardHtml = bodies?.["/dashboard"];
    if (dashboardHtml === undefined) return c.notFound();
    return c.body(dashboardHtml, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": DASHBOARD_CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
      etag: await etagOf("/dashboard", dashboardHtml),
    });
  });
  // Workers Static Assets' `auto-trailing-slash` spelling of the same page.
  app.get("/dashboard.html", (c) => c.redirect("/dashboard", 307));
  app.get("/dashboard/", (c) => c.redirect("/dashboard", 307));
  for (const [path, type] of Object.entries(FILE_TYPES)) {
    app.get(path, async (c) => {
      const body = bodies?.[path as keyof typeof FILE_TYPES];
      if (body === undefined) return c.notFound();
      return c.body(body, 200, {
        "content-type": type,
        "x-content-type-options": "nosniff",
        "cache-control": REVALIDATE,
        etag: await etagOf(path, body),
      });
    });
  }
  return app;
}
