import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import type { AppEnv } from "../../platform/env.ts";
import { MAX_BATCH_ROWS } from "../../vocabulary/index.ts";
import { finishDocument, type OpenApiDocument } from "../openapi-document.ts";
import { buildServiceMap, type ServiceMap, serviceMapSchema } from "../service-map.ts";

const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Edge inference API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>`;

/**
 * `/docs`: the Swagger UI page. Its script, stylesheet and init.js are served by staticRoutes (Swagger UI
 * staged from node_modules by scripts/assets/stage-static-files.ts).
 */
export function docsRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/docs", (c) => c.html(DOCS_HTML));
  return app;
}

/**
 * `/openapi.json`, and `/`: the service map, built from the same document (every documented operation,
 * grouped by tag), so neither can list a route the app does not have.
 */
export function registerOpenApi(app: OpenAPIHono<AppEnv>): void {
  let document: OpenApiDocument | undefined;
  const openApi = (): OpenApiDocument => {
    document ??= finishDocument(app.getOpenAPI31Document(OPENAPI_CONFIG) as OpenApiDocument, {
      maxRows: MAX_BATCH_ROWS,
    });
    return document;
  };
  let serviceMap: ServiceMap | undefined;
  app.openapi(
    createRoute({
      method: "get",
      path: "/",
      operationId: "serviceMap",
      tags: ["service"],
      summary: "The service map: every operation by tag, and where the docs and the dashboard are",
      responses: {
        200: { description: "Service map", content: { "application/json": { schema: serviceMapSchema } } },
      },
    }),
    (c) => {
      serviceMap ??= buildServiceMap(openApi());
      return c.json(serviceMap, 200);
    },
  );
  app.get("/openapi.json", (c) => c.json(openApi() as object));
}

const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  servers: [{ url: "/", description: "This Worker" }],
  info: {
    title: "Edge inference API",
    version: "0.1.0",
    description:
      "ONNX models served at the edge. Errors are application/problem+json (RFC 9457) with `errors[]` naming each bad field.",
  },
  tags: [
    { name: "service", description: "The service map" },
    { name: "models", description: "Published models, versions and manifests" },
    { name: "predictions", description: "Predictions and recommendations (generic API)" },
    { name: "monitoring", description: "Ground-truth feedback, health, reports and traffic" },
    { name: "open inference protocol v2", description: "KServe / Triton REST (Open Inference Protocol v2)" },
    { name: "seed: KrediPusula", description: "The KrediPusula credit seed's API, verbatim" },
    { name: "seed: recommender", description: "The rating recommender seed's API, verbatim" },
    { name: "admin", description: "Registry and API-key administration (admin scope; audited)" },
  ],
} satisfies Parameters<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>[0];
