import { z } from "@hono/zod-openapi";
import {
  COVERAGE_CONFIDENCE,
  COVERAGE_RULE,
  COVERAGE_TOLERANCE,
  type CoverageCell,
  type IntervalCoverage,
} from "./interval-coverage.ts";

/** The `interval_coverage` block of the cron report and of the dashboard data (worker/monitoring/interval-coverage.ts). */
const coverageCellSchema = z.object({
  n: z.number(),
  covered: z.number(),
  coverage: z.number().nullable(),
  lower_bound: z.number().nullable().openapi({ description: "One-sided Clopper–Pearson bound at 1 − alpha" }),
  upper_bound: z.number().nullable().openapi({ description: "One-sided Clopper–Pearson bound at 1 − alpha" }),
  status: z.enum(["ok", "under", "no_labels"]).openapi({
    description: "under: the upper bound is below nominal − tolerance",
  }),
});

export const intervalCoverageSchema = z
  .object({
    version: z.string(),
    source: z.literal("logged_bounds"),
    group_by: z.string().nullable(),
    tolerance: z.number().openapi({
      description: `How far below nominal a cell may sit before it is a finding (${COVERAGE_TOLERANCE})`,
    }),
    confidence: z.number().openapi({
      description: `One-sided confidence of the bounds before the Bonferroni split (${COVERAGE_CONFIDENCE})`,
    }),
    rule: z.string().openapi({ description: `The warning rule, as text: ${COVERAGE_RULE}` }),
    levels: z.array(
      z.object({
        level: z.number(),
        alpha: z.number().openapi({ description: "Bonferroni-split one-sided α of every cell of the level" }),
        marginal: coverageCellSchema,
        groups: z
          .array(coverageCellSchema)
          .nullable()
          .openapi({ description: "Index = Mondrian group of the manifest's intervals.groups" }),
      }),
    ),
  })
  .openapi("IntervalCoverage");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _CoverageCellCheck = Fits<typeof coverageCellSchema, CoverageCell>;
type _IntervalCoverageCheck = Fits<typeof intervalCoverageSchema, IntervalCoverage>;
