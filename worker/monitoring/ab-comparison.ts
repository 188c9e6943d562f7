import type { Manifest } from "../contracts/manifest.ts";
import { type ArmScoring, taskOf } from "../tasks/index.ts";
import {
  type SampleMoments,
  type TestResult,
  twoProportionZTest,
  welchFromMoments,
} from "./stats/significance-tests.ts";
import type { KeyedSummary } from "./summary/fold.ts";
import { mergeSummaries } from "./summary/merge.ts";
import type { LabelledSummary, Summary } from "./summary/summary.ts";

/** Fewer labelled rows than this in either arm: no verdict. */
export const MIN_AB_FEEDBACK = 20;

export interface ArmComparison {
  version: string;
  /** Distinct request ids routed to the arm; `rows` counts their scored rows. */
  requests: number;
  rows: number;
  feedback: number;
  metric: ArmScoring["metric"];
  value: number | null;
  test: TestResult | null;
  verdict: "control" | "better" | "worse" | "no_significant_difference" | "insufficient_data";
}

/** An arm's mean score and its sample moments from its labelled sums (the task's per-row arm score). */
function armMoments(labelled: LabelledSummary | undefined): (SampleMoments & { hits: number }) | null {
  const sums = labelled?.performance;
  if (!sums || sums.n === 0) return null;
  const n = sums.n;
  if (sums.task === "regression") {
    // score = e²: mean Σe²/n, variance (Σe⁴ − (Σe²)²/n)/(n − 1)
    const mean = sums.sum_e2 / n;
    const variance = n > 1 ? Math.max(0, sums.sum_e4 - sums.sum_e2 * mean) / (n - 1) : 0;
    return { n, mean, variance, hits: 0 };
  }
  return { n, mean: sums.correct / n, variance: 0, hits: sums.correct };
}

/**
 * Each A/B arm (rows routed by A/B, route "ab"; arm = version) against the control arm (the default version
 * when it is an arm, else the busiest), on the task's per-row arm score (regression: squared error, Welch's
 * t-test; classification: hit, two-proportion z-test) at the model's p-value threshold — from the window's
 * summaries: each arm's labelled sums give its score's moments exactly (n, Σe², Σe⁴ or hits).
 */
export function summaryCompareArms(
  manifest: Manifest,
  summaries: readonly KeyedSummary[],
  defaultVersion: string,
  alpha: number,
): { control: string | null; arms: ArmComparison[] } {
  const arms = new Map<string, Summary>();
  for (const { key, summary } of [...summaries].sort((a, b) => a.key.version.localeCompare(b.key.version))) {
    if (key.route !== "ab") continue;
    const seen = arms.get(key.version);
    arms.set(key.version, seen ? mergeSummaries(seen, summary) : summary);
  }
  if (arms.size === 0) return { control: null, arms: [] };
  const control = arms.has(defaultVersion)
    ? defaultVersion
    : ([...arms].sort(([, a], [, b]) => b.n - a.n)[0]?.[0] ?? null);
  const scoring = taskOf(manifest).arm;
  const controlMoments = armMoments(arms.get(control ?? "")?.labelled);
  const comparisons = [...arms].map(([version, arm]): ArmComparison => {
    const moments = armMoments(arm.labelled);
    const base = {
      version,
      requests: arm.requests,
      rows: arm.n,
      feedback: moments?.n ?? 0,
      metric: scoring.metric,
      value: moments?.mean ?? null,
    };
    if (version === control) return { ...base, test: null, verdict: "control" };
    if (!moments || !controlMoments || moments.n < MIN_AB_FEEDBACK || controlMoments.n < MIN_AB_FEEDBACK)
      return { ...base, test: null, verdict: "insufficient_data" };
    const test =
      scoring.test === "welch_t"
        ? welchFromMoments(moments, controlMoments)
        : twoProportionZTest(moments.hits, moments.n, controlMoments.hits, controlMoments.n);
    if (!test) return { ...base, test: null, verdict: "insufficient_data" };
    if (test.p_value >= alpha) return { ...base, test, verdict: "no_significant_difference" };
    const armHigher = test.statistic > 0;
    return { ...base, test, verdict: armHigher === scoring.lowerIsBetter ? "worse" : "better" };
  });
  return { control, arms: comparisons };
}
