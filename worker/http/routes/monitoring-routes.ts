import { createRoute, z } from "@hono/zod-openapi";
import { dashboardDataSchema, dashboardRangeSchema } from "../../dashboard/dashboard-schema.ts";
import { dashboardData } from "../../dashboard/dashboard-service.ts";
import { monitoringSummary } from "../../data-plane/monitoring-summary.ts";
import { listReports, readReport } from "../../monitoring/store/report-store.ts";
import { trafficSeries } from "../../monitoring/store/traffic-series.ts";
import { problems } from "../../problems/index.ts";
import { requireModelRecord } from "../../repository/registry-reader.ts";
import { createApiApp } from "../app-factory.ts";
import { requestScope } from "../request-scope.ts";
import { modelParams } from "../schemas/admin-schemas.ts";
import {
  modelReportSchema,
  monitoringSummarySchema,
  reportListSchema,
  trafficSchema,
} from "../schemas/monitoring-view-schemas.ts";
import { problemResponses } from "../schemas/problem-schema.ts";

/** Erased for `c.json` (the performance metrics are open); MonitoringSummaryCheck ties it to the builder. */
const summarySchema: z.ZodType = monitoringSummarySchema;
/** The stored report, as JSON from D1; ModelReportCheck ties the schema to buildModelReport. */
const reportSchema: z.ZodType = modelReportSchema;
const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
/** Bound on one answer's size: reports when each carries its full body. */
const MAX_FULL_REPORTS = 20;
/** Traffic windows: up to 30 days; bucket widths that are whole multiples of the summaries' 5-min / 1-h buckets. */
const MAX_TRAFFIC_HOURS = 24 * 30;
const TRAFFIC_BUCKET_MINUTES = ["5", "15", "30", "60", "180", "360", "720", "1440"] as const;
/** Beyond this window fine (5-min) summaries are compacted into 1-h ones, so buckets must be ≥ 1 h. */
const FINE_WINDOW_HOURS = 24;

function checkTrafficBuckets(hours: number, bucketMinutes: number): void {
  if (hours <= FINE_WINDOW_HOURS || bucketMinutes >= 60) return;
  throw problems.validation([
    {
      field: "bucket_minutes",
      message: `windows over ${FINE_WINDOW_HOURS} h are kept in 1-h summaries: use bucket_minutes ≥ 60 (got ${bucketMinutes} for ${hours} h)`,
    },
  ]);
}

export function monitoringRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/health",
      tags: ["monitoring"],
      summary:
        "The model's health from its latest cron report: status with reasons, volume, performance, drift",
      request: { params: modelParams },
      responses: { 200: json(summarySchema, "Health"), ...problemResponses(404) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      await requireModelRecord(c.env.REGISTRY, model);
      return c.json(await monitoringSummary(requestScope(c), model), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/reports",
      tags: ["monitoring"],
      summary: `Health reports, newest first (\`full=true\` includes each report body; then limit ≤ ${MAX_FULL_REPORTS})`,
      request: {
        params: modelParams,
        query: z.object({
          limit: z.coerce.number().int().min(1).max(500).default(50),
          before: z.coerce
            .number()
            .int()
            .optional()
            .openapi({ description: "Window end (ms) to page before" }),
          full: z.enum(["true", "false"]).default("false"),
        }),
      },
      responses: {
        200: json(reportListSchema, "Reports"),
        ...problemResponses(404, 422),
      },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const { limit, before, full } = c.req.valid("query");
      if (full === "true" && limit > MAX_FULL_REPORTS)
        throw problems.validation([
          { field: "limit", message: `must be ≤ ${MAX_FULL_REPORTS} when full=true (got ${limit})` },
        ]);
      await requireModelRecord(c.env.REGISTRY, model);
      const rows = await listReports(c.env.DB, model, limit, before);
      const reports = rows.map((row) => ({
        id: row.id,
        status: row.status,
        window_start: new Date(row.windowStart).toISOString(),
        window_end: new Date(row.windowEnd).toISOString(),
        generated_at: new Date(row.generatedAt).toISOString(),
        r2_key: row.r2Key,
        ...(full === "true" ? { report: row.report } : {}),
      }));
      return c.json({ model, reports }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/reports/{id}",
      tags: ["monitoring"],
      summary: "One full health report (the same JSON as in R2)",
      request: { params: modelParams.extend({ id: z.string().min(1) }) },
      responses: { 200: json(reportSchema, "Report"), ...problemResponses(404) },
    }),
    async (c) => {
      const { model, id } = c.req.valid("param");
      const row = await readReport(c.env.DB, id);
      if (!row || row.model !== model) throw problems.notFound(`No report ${id} for model ${model}.`);
      return c.json(row.report, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/traffic",
      tags: ["monitoring"],
      summary:
        "Requests, errors and per-request latency per time bucket and version (served and shadow), from the monitoring summaries",
      description: `Reads the summaries of the window (one row per version, route and 5-min bucket, 1-h buckets after ${FINE_WINDOW_HOURS} h): the cost grows with the window and the versions, not with the requests served. hours ≤ ${MAX_TRAFFIC_HOURS}; bucket_minutes one of ${TRAFFIC_BUCKET_MINUTES.join(", ")}, and ≥ 60 when hours > ${FINE_WINDOW_HOURS}. Predict scope, like every non-admin path (the dashboard calls it).`,
      request: {
        params: modelParams,
        query: z.object({
          hours: z.coerce
            .number()
            .int()
            .min(1)
            .max(MAX_TRAFFIC_HOURS)
            .default(24)
            .openapi({ description: `Window length in hours (1 … ${MAX_TRAFFIC_HOURS})` }),
          bucket_minutes: z
            .enum(TRAFFIC_BUCKET_MINUTES)
            .default("15")
            .openapi({ description: `Bucket width in minutes; ≥ 60 when hours > ${FINE_WINDOW_HOURS}` }),
        }),
      },
      responses: { 200: json(trafficSchema, "Traffic"), ...problemResponses(404, 422, 503) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const { hours, bucket_minutes: bucketChoice } = c.req.valid("query");
      const bucketMinutes = Number(bucketChoice);
      checkTrafficBuckets(hours, bucketMinutes);
      await requireModelRecord(c.env.REGISTRY, model);
      const end = Date.now();
      const bucketMs = bucketMinutes * 60_000;
      const start = Math.floor((end - hours * 3_600_000) / bucketMs) * bucketMs;
      const buckets = await trafficSeries(c.env.DB, model, start, end + 1, bucketMs);
      return c.json({ model, start, end, bucket_ms: bucketMs, buckets }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/{model}/dashboard",
      tags: ["monitoring"],
      summary:
        "Everything the dashboard draws for one model and time range, from the monitoring summaries (every logged row)",
      description:
        "Per feature of the default version's served rows the manifest's reference distribution beside the range's, PSI and the drift method's verdict for the range and per time bucket (binned forms; KS/Wasserstein with their stated bounds); latency percentiles (DDSketch, ±1 %) and error rate per bucket; performance of the default version from its labelled sums (exact; binary AUC from 0.01-wide score bins, ROC at those edges), with a regression scatter of up to 400 labelled rows of the recent sample; the A/B arms from per-arm sums. range is one of 1h, 6h, 24h, 7d (5-min, 30-min, 1-h, 6-h buckets): the cost is the range's summary rows, not the traffic. Read-only; predict scope.",
      request: { params: modelParams, query: z.object({ range: dashboardRangeSchema }) },
      responses: { 200: json(dashboardDataSchema, "Dashboard data"), ...problemResponses(404, 422) },
    }),
    async (c) => {
      const { model } = c.req.valid("param");
      const { range } = c.req.valid("query");
      return c.json(await dashboardData(c.env, model, range), 200);
    },
  );

  return app;
}
