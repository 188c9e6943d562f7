import { createRoute, z } from "@hono/zod-openapi";
import { checkModelHealth } from "../../data-plane/model-health-check.ts";
import { describeSignature } from "../../data-plane/model-views.ts";
import { monitoringSummary } from "../../data-plane/monitoring-summary.ts";
import { isoSeconds } from "../../platform/iso-time.ts";
import { classifyStoreFailure, describeStoreFailure } from "../../platform/store-failure.ts";
import { PROBLEMS } from "../../problems/index.ts";
import { readManifest, requireModelRecord } from "../../repository/registry-reader.ts";
import { createApiApp } from "../app-factory.ts";
import { asJson } from "../as-json.ts";
import { type SeedLanguage, seedLanguage } from "../middleware/seed-language.ts";
import { requestScope } from "../request-scope.ts";
import { documentedRow, featureRowJsonSchema } from "../schemas/feature-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";
import { creditModelInfoSchema } from "../schemas/seed-view-schemas.ts";
import { shippedModel } from "../schemas/shipped-models.ts";
import { CREDIT_MODEL, creditAnswer } from "./predict-answers.ts";

/** The KrediPusula seed's API, verbatim: the credit model served under its original paths and shapes. */
export const creditRequestSchema = documentedRow(featureRowJsonSchema(shippedModel(CREDIT_MODEL))).openapi(
  "CreditApplication",
);

const creditResponseSchema = z
  .object({
    approved: z.boolean(),
    credit_score: z.number().openapi({ description: "Calibrated approval probability p from the model." }),
    confidence: z.number().openapi({
      description:
        "Confidence of the decision taken, in [0.5, 1]: with threshold t, q = p(1-t) / (p(1-t) + (1-p)t) " +
        "when approved, 1 - q when declined (p or 1 - p when t = 0.5). See README.",
    }),
    recommendation: z
      .string()
      .openapi({ description: "Decision text; Turkish by default, English via Accept-Language." }),
    timestamp: z.string(),
  })
  .openapi("CreditDecision", {
    example: {
      approved: true,
      credit_score: 0.85,
      confidence: 0.8226,
      recommendation: "Başvuru onaylandı",
      timestamp: "2025-01-03T12:00:00Z",
    },
  });

const looseObject = z.record(z.string(), z.unknown());
/** Erased for `c.json` (params are open JSON); the body is checked with `satisfies` below. */
const modelInfoSchema: z.ZodType = creditModelInfoSchema;

const creditHealthSchema = z
  .object({
    status: z.enum(["healthy", "degraded", "unhealthy"]).openapi({
      description:
        "healthy: the model serves and every store answers; degraded (still 200): the model serves but D1 is down, so monitoring, feedback and registry changes answer 503; unhealthy (503): the model cannot serve",
    }),
    model: z.string(),
    model_loaded: z.boolean(),
    version: z.string().nullable(),
    detail: z.string().optional(),
    reasons: z.array(z.string()).optional().openapi({
      description: "The store that is down and what that stops, when degraded or unhealthy by an outage",
    }),
    monitoring: looseObject.optional().openapi({ description: "Only for callers with the predict scope" }),
    timestamp: z.string(),
  })
  .openapi("CreditHealth");

export function creditSeedRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "post",
      path: "/predict",
      tags: ["seed: KrediPusula"],
      summary: "Credit decision for one application (x-prediction-id header carries the id for feedback)",
      middleware: [seedLanguage] as const,
      request: {
        body: { required: true, content: { "application/json": { schema: creditRequestSchema } } },
      },
      // Documented, not validated: a header validator would copy every request header into an object
      // and parse it with zod on each prediction, for one optional string read by hono/language.
      parameters: [{ name: "accept-language", in: "header", required: false, schema: { type: "string" } }],
      responses: {
        200: { description: "Decision", content: { "application/json": { schema: creditResponseSchema } } },
        ...problemResponses(400, 404, 413, 422, 429, 503),
      },
    }),
    async (c) => {
      const answer = await creditAnswer(
        requestScope(c),
        c.req.valid("json"),
        c.get("language") as SeedLanguage,
      );
      for (const [name, value] of Object.entries(answer.headers)) c.header(name, value);
      return c.json(answer.body, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/health",
      tags: ["seed: KrediPusula"],
      summary: "Service and credit-model health",
      responses: {
        200: {
          description:
            "Healthy, or degraded: the model serves while D1 (monitoring, feedback, admin) is down",
          content: { "application/json": { schema: creditHealthSchema } },
        },
        503: {
          description:
            "The credit model is not published or does not load (a KV or R2 outage adds Retry-After)",
          content: { "application/json": { schema: creditHealthSchema } },
        },
      },
    }),
    async (c) => {
      const { outage, d1Down, ...health } = await checkModelHealth(requestScope(c), CREDIT_MODEL);
      // The probe is public; the monitoring summary (error rate, drifted features) is for credentialed callers.
      // With D1 down it is not read: `reasons` already says why it is missing.
      const canSeeMonitoring = c.get("auth")?.scopes.includes("predict") ?? false;
      const monitoring =
        canSeeMonitoring && !d1Down
          ? await monitoringSummary(requestScope(c), CREDIT_MODEL).catch((error: unknown) => {
              const failure = classifyStoreFailure(error);
              if (!failure) throw error;
              return { status: "unavailable", reason: describeStoreFailure(failure) };
            })
          : undefined;
      // A store outage that stops serving is transient: say when to look again.
      if (outage) c.header("retry-after", String(PROBLEMS.storeUnavailable.retryAfterSeconds));
      return c.json(
        { ...health, ...(monitoring ? { monitoring } : {}), timestamp: isoSeconds() },
        health.status === "unhealthy" ? 503 : 200,
      ) as never;
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/model-info",
      tags: ["seed: KrediPusula"],
      summary: "The credit model's version, features, threshold and holdout metrics",
      responses: {
        200: { description: "Model info", content: { "application/json": { schema: modelInfoSchema } } },
        ...problemResponses(404, 503),
      },
    }),
    async (c) => {
      const record = await requireModelRecord(c.env.REGISTRY, CREDIT_MODEL);
      const manifest = await readManifest(c.env.REGISTRY, CREDIT_MODEL, record.default);
      return c.json(
        asJson({
          model: CREDIT_MODEL,
          title: manifest.title ?? CREDIT_MODEL,
          version: record.default,
          versions: Object.keys(record.versions).sort(),
          ...describeSignature(manifest),
          threshold: manifest.output.threshold,
          metrics: manifest.metrics,
          params: manifest.params,
          training: {
            dataset: manifest.training.dataset,
            rows: manifest.training.rows,
            trained_at: manifest.training.trained_at,
            mlflow: manifest.training.mlflow,
          },
          artifact: manifest.artifact,
        } satisfies z.input<typeof creditModelInfoSchema>),
        200,
      );
    },
  );

  return app;
}
