import { Hono } from "hono";
import { etag } from "hono/etag";
import dashboardApp from "../../../.generated/static/dashboard/app.js.txt";
import dashboardCharts from "../../../.generated/static/dashboard/charts.js.txt";
import dashboardCss from "../../../.generated/static/dashboard/dashboard.css.txt";
import uPlotJs from "../../../.generated/static/dashboard/vendor/uPlot.iife.min.js.txt";
import uPlotCss from "../../../.generated/static/dashboard/vendor/uPlot.min.css.txt";
import dashboardHtml from "../../../.generated/static/dashboard.html.txt";
import docsInit from "../../../.generated/static/docs/init.js.txt";
import swaggerUiCss from "../../../.generated/static/docs/swagger-ui.css.txt";
import swaggerUiJs from "../../../.generated/static/docs/swagger-ui-bundle.js.txt";
import type { AppEnv } from "../../platform/env.ts";

/**
 * The dashboard's page and scripts and Swagger UI's files, served by the Worker from text modules (staged
 * by scripts/assets/stage-static-files.ts). Not Workers Static Assets: a Worker with [assets] receives every
 * request through the assets router, which in workerd cost more CPU per prediction than the whole
 * prediction (docs/performance.md, "Static files"), for a handful of files an operator loads now and then.
 * Caching as Workers Static Assets does it: a strong ETag (SHA-256 of the file, computed once per isolate),
 * `If-None-Match` answered 304, revalidation on every load.
 */
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const FILES: Readonly<Record<string, { body: string; type: string }>> = {
  "/dashboard/app.js": { body: dashboardApp, type: JS },
  "/dashboard/charts.js": { body: dashboardCharts, type: JS },
  "/dashboard/dashboard.css": { body: dashboardCss, type: CSS },
  "/dashboard/vendor/uPlot.iife.min.js": { body: uPlotJs, type: JS },
  "/dashboard/vendor/uPlot.min.css": { body: uPlotCss, type: CSS },
  "/docs/init.js": { body: docsInit, type: JS },
  "/docs/swagger-ui-bundle.js": { body: swaggerUiJs, type: JS },
  "/docs/swagger-ui.css": { body: swaggerUiCss, type: CSS },
};
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

export function staticRoutes() {
  const app = new Hono<AppEnv>();
  app.use("/dashboard", etag());
  app.use("/dashboard/*", etag());
  app.use("/docs/*", etag());
  app.get("/dashboard", async (c) =>
    c.body(dashboardHtml, 200, {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": DASHBOARD_CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "no-cache",
      etag: await etagOf("/dashboard", dashboardHtml),
    }),
  );
  // Workers Static Assets' `auto-trailing-slash` spelling of the same page.
  app.get("/dashboard.html", (c) => c.redirect("/dashboard", 307));
  app.get("/dashboard/", (c) => c.redirect("/dashboard", 307));
  for (const [path, file] of Object.entries(FILES)) {
    app.get(path, async (c) =>
      c.body(file.body, 200, {
        "content-type": file.type,
        "x-content-type-options": "nosniff",
        "cache-control": REVALIDATE,
        etag: await etagOf(path, file.body),
      }),
    );
  }
  return app;
}
