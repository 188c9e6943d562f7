import { createApiApp } from "../app-factory.ts";
import { adminAuditRoutes } from "./admin-audit-routes.ts";
import { adminKeyRoutes } from "./admin-key-routes.ts";
import { adminModelRoutes } from "./admin-model-routes.ts";

/** Mounted at /v1/admin; the access policy requires the admin scope for every path below it. */
export function adminRoutes() {
  const app = createApiApp();
  app.route("/", adminModelRoutes());
  app.route("/", adminKeyRoutes());
  app.route("/", adminAuditRoutes());
  return app;
}
