import { Hono } from "hono";
import { etag } from "hono/etag";
import type { AppEnv } from "../../platform/env.ts";

/** The files' contents by URL path: worker/http/static-file-bodies.ts (text modules), given by worker/index.ts. */
export type StaticFileBodies = Readonly<Record<keyof typeof FILES, string>>;

/**
 * The dashboard's page and scripts and Swagger UI's files, served by the Worker from text modules (staged
 * by scripts/assets/stage-static-files.ts). Without `bodies` (Node tooling that only lists the routes) the
 * same routes exist and answer 404. Not Workers Static Assets: a Worker with [assets] receives every
 * request through the assets router, which in workerd cost more CPU per prediction than the whole
 * prediction (docs/performance.md, "Third pass: static files out of the request path"), for a handful of files an operator loads now and then.
 * Caching as Workers Static Assets does it: a strong ETag (SHA-256 of the file, computed once per isolate),
 * `If-None-Match` answered 304, revalidation on every load.
 */
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const REVALIDATE = "public, max-age=0, must-revalidate";
/** The page only loads its own scripts and styles and talks to this origin. */
const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:";
const FILES = {
  "/dashboard": {
    "content-type": "text/html; charset=utf-8",
    "content-security-policy": DASHBOARD_CSP,
    "cache-control": "no-cache",
  },
  "/dashboard/app.js": { "content-type": JS, "cache-control": REVALIDATE },
  "/dashboard/charts.js": { "content-type": JS, "cache-control": REVALIDATE },
  "/dashboard/dashboard.css": { "content-type": CSS, "cache-control": REVALIDATE },
  "/dashboard/vendor/uPlot.iife.min.js": { "content-type": JS, "cache-control": REVALIDATE },
  "/dashboard/vendor/uPlot.min.css": { "content-type": CSS, "cache-control": REVALIDATE },
  "/docs/init.js": { "content-type": JS, "cache-control": REVALIDATE },
  "/docs/swagger-ui-bundle.js": { "content-type": JS, "cache-control": REVALIDATE },
  "/docs/swagger-ui.css": { "content-type": CSS, "cache-control": REVALIDATE },
} as const satisfies Record<string, Record<string, string>>;

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
  for (const [path, headers] of Object.entries(FILES)) {
    app.get(path, etag(), async (c) => {
      const body = bodies?.[path as keyof typeof FILES];
      if (body === undefined) return c.notFound();
      return c.body(body, 200, {
        ...headers,
        "x-content-type-options": "nosniff",
        etag: await etagOf(path, body),
      });
    });
  }
  // Workers Static Assets' `auto-trailing-slash` spellings of the page.
  app.get("/dashboard.html", (c) => c.redirect("/dashboard", 307));
  app.get("/dashboard/", (c) => c.redirect("/dashboard", 307));
  return app;
}
