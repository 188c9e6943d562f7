import { z } from "@hono/zod-openapi";
import type { TrafficBucket } from "../db/traffic-series.ts";

/** Monitoring responses; the routes pass them to `createRoute` unerased, so `c.json` is checked against them. */
const reportStatusSchema = z.enum(["healthy", "warning", "unhealthy", "no_data"]);

export const reportListSchema = z
  .object({
    model: z.string(),
    reports: z.array(
      z.object({
        id: z.string(),
        status: reportStatusSchema,
        window_start: z.string(),
        window_end: z.string(),
        generated_at: z.string(),
        r2_key: z.string().nullable(),
        report: z
          .record(z.string(), z.unknown())
          .optional()
          .openapi({ description: "With full=true: the report body (as GET …/reports/{id})" }),
      }),
    ),
  })
  .openapi("HealthReportList");

const trafficBucketSchema = z.object({
  t: z.number().openapi({ description: "Bucket start (ms)" }),
  version: z.string(),
  route: z.string(),
  requests: z.number(),
  errors: z.number(),
  latency_avg_ms: z.number(),
  latency_max_ms: z.number(),
});
export const trafficSchema = z
  .object({
    model: z.string(),
    start: z.number(),
    end: z.number(),
    bucket_ms: z.number(),
    buckets: z.array(trafficBucketSchema),
  })
  .openapi("Traffic");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
export type TrafficBucketCheck = Fits<typeof trafficBucketSchema, TrafficBucket>;
