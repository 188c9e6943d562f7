import type { Manifest } from "../../worker/contracts/manifest.ts";
import { type ArmComparison, MIN_AB_FEEDBACK } from "../../worker/monitoring/ab-comparison.ts";
import { datasetDrift, type FeatureDrift } from "../../worker/monitoring/feature-drift.ts";
import { healthStatus } from "../../worker/monitoring/health-status.ts";
import { coverageReasons, intervalCoverage } from "../../worker/monitoring/interval-coverage.ts";
import { byRequest, groupBy, opsReport } from "../../worker/monitoring/ops-metrics.ts";
import type { PerformanceMetrics } from "../../worker/monitoring/performance.ts";
import { versionPredictionDrift } from "../../worker/monitoring/prediction-drift.ts";
import { twoProportionZTest, welchTTest } from "../../worker/monitoring/stats/significance-tests.ts";
import { mean } from "../../worker/monitoring/stats/summary-stats.ts";
import type { WindowRow } from "../../worker/monitoring/store/window-reader.ts";
import type { MonitoringThresholds } from "../../worker/monitoring/thresholds.ts";
import { taskOf } from "../../worker/tasks/index.ts";

const REPORT_SCHEMA_VERSION = 1;

/** The parts of a registry record a report reads (structural: monitoring sits below the repository). */
interface ReportedModel {
  name: string;
  default: string;
  traffic: { weights: Record<string, number>; shadow: string[] };
  thresholds: MonitoringThresholds;
}

interface ReportInput {
  record: ReportedModel;
  /** Manifests by version: the default's and every version seen in the window that is still readable. */
  manifests: ReadonlyMap<string, Manifest>;
  rows: readonly WindowRow[];
  totalRows: number;
  windowStart: number;
  windowEnd: number;
  generatedAt: number;
}

/**
 * THE TEST ORACLE of worker/monitoring/model-report.ts (issue 9): the report as it was built from raw rows
 * before summaries, kept so test/report-from-summaries.test.ts can hold every figure of the summary-built
 * report against an exact computation on the same rows.
 *
 * The health report of one model over one window: a pure function of the rows, the registry record and the
 * manifests, so a rerun over the same window yields the same report (only `generated_at` differs).
 * Input drift is measured on served rows (shadow rows repeat the same inputs) against the default version's
 * reference; prediction drift per version (shadow included) against that version's own reference.
 */
export function buildRawModelReport(input: ReportInput) {
  const { record, manifests, rows } = input;
  const thresholds = record.thresholds;
  const defaultManifest = manifests.get(record.default);
  // Input drift reads served rows only: shadows repeat them, recommended items are a ranked (biased) sample.
  const served = rows.filter(
    (row) => row.route !== "shadow" && row.route !== "recommend" && row.status === "ok",
  );
  const ops = opsReport(rows);
  const drift = defaultManifest
    ? datasetDrift(
        defaultManifest,
        served.map((row) => row.inputs),
        thresholds,
      )
    : null;

  const predictionDriftByVersion: Record<string, FeatureDrift> = {};
  const performanceByVersion: Record<string, PerformanceMetrics | null> = {};
  for (const [version, versionRows] of groupBy(rows, (row) => row.version)) {
    const manifest = manifests.get(version);
    if (!manifest) continue;
    const predicted = versionRows.filter((row) => row.route !== "recommend");
    predictionDriftByVersion[version] = versionPredictionDrift(manifest, predicted, thresholds);
    const servedRows = versionRows.filter((row) => row.route !== "shadow");
    if (servedRows.length > 0) performanceByVersion[version] = performance(manifest, servedRows);
  }
  const defaultPerformance = performanceByVersion[record.default] ?? null;
  const defaultRows = served.filter((row) => row.version === record.default);
  const health = healthStatus(
    ops.total,
    defaultPerformance,
    drift,
    predictionDriftByVersion[record.default] ?? null,
    thresholds,
    defaultManifest && taskOf(defaultManifest),
  );
  // Live interval coverage of the default's served, labelled rows: a warning only when the bound excludes nominal − 5 pts.
  const coverage = defaultManifest ? intervalCoverage(record.default, defaultManifest, defaultRows) : null;
  const coverageWarnings =
    health.status === "no_data" ? [] : coverageReasons(coverage, thresholds.min_feedback);
  health.reasons.push(...coverageWarnings);
  if (coverageWarnings.length > 0 && health.status === "healthy") health.status = "warning";

  return {
    schema_version: REPORT_SCHEMA_VERSION,
    model: record.name,
    window: {
      start: input.windowStart,
      end: input.windowEnd,
      hours: (input.windowEnd - input.windowStart) / 3_600_000,
      start_iso: new Date(input.windowStart).toISOString(),
      end_iso: new Date(input.windowEnd).toISOString(),
    },
    generated_at: new Date(input.generatedAt).toISOString(),
    task: defaultManifest?.task ?? null,
    default_version: record.default,
    traffic: { weights: record.traffic.weights, shadow: record.traffic.shadow },
    thresholds,
    status: health.status,
    reasons: health.reasons,
    rows: { total: input.totalRows, analyzed: rows.length, sampled: input.totalRows > rows.length },
    ops,
    drift,
    prediction_drift: predictionDriftByVersion,
    performance: {
      version: record.default,
      feedback_count: withFeedback(defaultRows).length,
      default: defaultPerformance,
      by_version: performanceByVersion,
      feedback_count_total: withFeedback(served).length,
    },
    interval_coverage: coverage,
    ab: defaultManifest ? compareArms(defaultManifest, rows, record.default, thresholds.p_value) : null,
  };
}

export type RawModelReport = ReturnType<typeof buildRawModelReport>;

// The raw-row performance and A/B comparison (worker/monitoring/performance.ts and ab-comparison.ts before issue 9).

const withFeedback = (rows: readonly WindowRow[]) =>
  rows.filter((row) => row.actual !== null && row.output !== null) as (WindowRow & {
    actual: number;
    output: number;
  })[];

/** The task's metrics of the labelled rows (regression: MAE/MSE/RMSE/R²; classification: AUC, accuracy, …). */
function performance(manifest: Manifest, rows: readonly WindowRow[]): PerformanceMetrics | null {
  return taskOf(manifest).performance(manifest, withFeedback(rows)) as PerformanceMetrics | null;
}

/**
 * Each A/B arm (rows routed by A/B; arm = version) against the control arm (the default version when it is
 * an arm, else the busiest), on the task's per-row arm score and test (regression: Welch's t-test on squared
 * errors; classification: a two-proportion z-test on accuracy), at the model's p-value threshold.
 */
function compareArms(
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
