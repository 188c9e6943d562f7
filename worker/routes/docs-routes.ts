import type { OpenAPIHono } from "@hono/zod-openapi";
import { Hono } from "hono";
import swaggerCss from "swagger-ui-dist/swagger-ui.css";
import swaggerBundle from "swagger-ui-dist/swagger-ui-bundle.js";
import type { AppEnv } from "../env.ts";
import { withCommonResponses } from "../http/openapi-common-responses.ts";

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

const INIT_JS = `window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true });`;
const ASSET_CACHE = "public, max-age=86400";

/** `/docs`: Swagger UI served from the Worker itself; `/`: a map of the service. */
export function docsRoutes() {
  const app = new Hono<AppEnv>();
  app.get("/", (c) =>
    c.json({
      service: "edge-inference",
      docs: "/docs",
      openapi: "/openapi.json",
      dashboard: "/dashboard",
      endpoints: {
        generic: [
          "/v1/models",
          "/v1/models/{model}",
          "/v1/models/{model}/versions",
          "/v1/models/{model}/predict",
        ],
        open_inference_protocol_v2: [
          "/v2/health/live",
          "/v2/health/ready",
          "/v2/models/{model}",
          "/v2/models/{model}/infer",
        ],
        credit_seed: ["/api/v1/predict", "/api/v1/health", "/api/v1/model-info"],
        recommender_seed: ["/versions", "/predict", "/model_health", "/load_version/{version_name}"],
      },
    }),
  );
  app.get("/docs", (c) => c.html(DOCS_HTML));
  app.get("/docs/swagger-ui.css", (c) =>
    c.body(swaggerCss, 200, { "content-type": "text/css", "cache-control": ASSET_CACHE }),
  );
  app.get("/docs/swagger-ui-bundle.js", (c) =>
    c.body(swaggerBundle, 200, { "content-type": "text/javascript", "cache-control": ASSET_CACHE }),
  );
  app.get("/docs/init.js", (c) => c.body(INIT_JS, 200, { "content-type": "text/javascript" }));
  return app;
}

export function registerOpenApi(app: OpenAPIHono<AppEnv>): void {
  let document: unknown;
  app.get("/openapi.json", (c) => {
    document ??= withCommonResponses(app.getOpenAPI31Document(OPENAPI_CONFIG));
    return c.json(document as object);
  });
}

const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Edge inference API",
    version: "0.1.0",
    description:
      "ONNX models served at the edge. Errors are application/problem+json (RFC 9457) with `errors[]` naming each bad field.",
  },
  tags: [
    { name: "models" },
    { name: "predictions" },
    { name: "open inference protocol v2" },
    { name: "seed: KrediPusula" },
    { name: "seed: recommender" },
  ],
} satisfies Parameters<OpenAPIHono<AppEnv>["getOpenAPI31Document"]>[0];
