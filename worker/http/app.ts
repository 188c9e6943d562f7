import type { OpenAPIHono } from "@hono/zod-openapi";
import { methodNotAllowed } from "hono/method-not-allowed";
import type { AppEnv } from "../platform/env.ts";
import { problems } from "../problems/index.ts";
import { createApiApp } from "./app-factory.ts";
import { CachedRouter } from "./cached-router.ts";
import { domainErrorView, handleError, problemResponse } from "./error-handler.ts";
import { accessPolicy } from "./middleware/access-policy.ts";
import { authenticate } from "./middleware/authenticate.ts";
import { bodySize } from "./middleware/body-size.ts";
import { rateLimit } from "./middleware/rate-limit.ts";
import { requestId } from "./middleware/request-id.ts";
import { adminRoutes } from "./routes/admin-routes.ts";
import { creditSeedRoutes } from "./routes/credit-seed-routes.ts";
import { docsRoutes, registerOpenApi } from "./routes/docs-routes.ts";
import { feedbackRoutes } from "./routes/feedback-routes.ts";
import { modelRoutes } from "./routes/model-routes.ts";
import { monitoringRoutes } from "./routes/monitoring-routes.ts";
import { oipV2Routes } from "./routes/oip-v2-routes.ts";
import { recommenderSeedRoutes } from "./routes/recommender-seed-routes.ts";
import { type StaticFileBodies, staticRoutes } from "./routes/static-routes.ts";

/** `staticFiles`: the dashboard's and Swagger UI's files (the Worker's entry passes them; tooling need not). */
export function buildApp(options: { staticFiles?: StaticFileBodies } = {}): OpenAPIHono<AppEnv> {
  const app = createApiApp({ router: new CachedRouter() });
  app.use("*", requestId);
  // Hono's: a 404 on a path that has routes for other methods becomes a 405 with Allow (HEAD with GET).
  app.use(
    "*",
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) => {
        const allowed = [...methods].sort().join(", ");
        return problemResponse(c, {
          status: 405,
          title: "Method not allowed",
          detail: `${c.req.method} is not allowed on ${c.req.path}; allowed: ${allowed}.`,
          headers: { allow: allowed },
        });
      },
    }),
  );
  app.use("*", authenticate);
  app.use("*", rateLimit);
  app.use("*", accessPolicy);
  app.use("*", bodySize);

  app.route("/", docsRoutes());
  app.route("/", staticRoutes(options.staticFiles));
  app.route("/v1/models", modelRoutes());
  app.route("/v1/models", monitoringRoutes());
  app.route("/v1/predictions", feedbackRoutes());
  // /dashboard's page is static (staticRoutes); its data comes from /v1/models/*.
  app.route("/v2", oipV2Routes());
  app.route("/api/v1", creditSeedRoutes());
  app.route("/", recommenderSeedRoutes());
  app.route("/v1/admin", adminRoutes());
  registerOpenApi(app);

  app.onError(handleError);
  app.notFound((c) =>
    problemResponse(c, domainErrorView(problems.notFound(`No route for ${c.req.method} ${c.req.path}.`))),
  );
  return app;
}
