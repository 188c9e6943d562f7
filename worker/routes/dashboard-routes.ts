import { Hono } from "hono";
import { DASHBOARD_HTML } from "../dashboard/dashboard-page.ts";
import { DASHBOARD_JS } from "../dashboard/dashboard-script.ts";
import type { AppEnv } from "../env.ts";

/** Read-only: the page and its script; the data comes from the monitoring JSON endpoints. */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
  "x-content-type-options": "nosniff",
  "cache-control": "no-cache",
};

export function dashboardRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => c.html(DASHBOARD_HTML, 200, SECURITY_HEADERS));
  app.get("/app.js", (c) =>
    c.body(DASHBOARD_JS, 200, { ...SECURITY_HEADERS, "content-type": "text/javascript; charset=utf-8" }),
  );
  return app;
}
