import type { Manifest } from "../contracts/manifest.ts";
import { type ArmScoring, taskOf } from "../tasks/index.ts";
import { byRequest, groupBy } from "./ops-metrics.ts";
import { withFeedback } from "./performance.ts";
import { type TestResult, twoProportionZTest, welchTTest } from "./stats/significance-tests.ts";
import { mean } from "./stats/summary-stats.ts";
import type { WindowRow } from "./store/window-reader.ts";

/** Fewer labelled rows than this in either arm: no verdict. */
const MIN_AB_FEEDBACK = 20;

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

/**
 * Each A/B arm (rows routed by A/B; arm = version) against the control arm (the default version when it is
 * an arm, else the busiest), on the task's per-row arm score and test (regression: Welch's t-test on squared
 * errors; classification: a two-proportion z-test on accuracy), at the model's p-value threshold.
 */
export function compareArms(
  manifest: Manifest,
  rows: readonly WindowRow[],
  defaultVersion: string,
  alpha: number,
): { control: string | null; arms: ArmComparison[] } {
  const arms = groupBy(
    rows.filter((row) => row.route === "ab"),
    (row) => row.version,
  );
  if (arms.size === 0) return { control: null, arms: [] };
  const control = arms.has(defaultVersion)
    ? defaultVersion
    : ([...arms].sort(([, a], [, b]) => b.length - a.length)[0]?.[0] ?? null);
  const scoring = taskOf(manifest).arm;
  const scores = (armRows: readonly WindowRow[]) =>
    withFeedback(armRows).map((row) => scoring.score(manifest, row));
  const controlScores = scores(arms.get(control ?? "") ?? []);
  const comparisons = [...arms].map(([version, armRows]): ArmComparison => {
    const armScores = scores(armRows);
    const base = {
      version,
      requests: byRequest(armRows).size,
      rows: armRows.length,
      feedback: armScores.length,
      metric: scoring.metric,
      value: mean(armScores),
    };
    if (version === control) return { ...base, test: null, verdict: "control" };
    if (armScores.length < MIN_AB_FEEDBACK || controlScores.length < MIN_AB_FEEDBACK)
      return { ...base, test: null, verdict: "insufficient_data" };
    const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
    const test =
      scoring.test === "welch_t"
        ? welchTTest(armScores, controlScores)
        : twoProportionZTest(sum(armScores), armScores.length, sum(controlScores), controlScores.length);
    if (!test) return { ...base, test: null, verdict: "insufficient_data" };
    if (test.p_value >= alpha) return { ...base, test, verdict: "no_significant_difference" };
    // statistic > 0: the arm's mean score exceeds the control's (higher MSE is worse, higher accuracy better)
    const armHigher = test.statistic > 0;
    return { ...base, test, verdict: armHigher === scoring.lowerIsBetter ? "worse" : "better" };
  });
  return { control, arms: comparisons };
}
