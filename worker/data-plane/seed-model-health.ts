import { performanceReasons } from "../monitoring/health-status.ts";
import { type ModelReport, SKILL_SAMPLE_ROWS, sampledSkill } from "../monitoring/model-report.ts";
import { labelledPerformance } from "../monitoring/performance.ts";
import { latestReport } from "../monitoring/store/report-store.ts";
import { readSummaries } from "../monitoring/store/summary-store.ts";
import { readRecentRows } from "../monitoring/store/window-reader.ts";
import { mergeAll } from "../monitoring/summary/merge.ts";
import { FINE_BUCKET_MS } from "../monitoring/summary/summary.ts";
import { isoSeconds } from "../platform/iso-time.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { effectiveThresholds, readDefaultManifest } from "../repository/effective-thresholds.ts";
import { requireModelRecord } from "../repository/registry-reader.ts";
import { VERDICT_RULE } from "../tasks/metrics/health-verdict.ts";
import { MIN_LABELS_FOR_BOUNDS } from "../tasks/metrics/regression-bounds.ts";
import { type RegressionHealthMetrics, regression } from "../tasks/regression.ts";

const HOUR = 3_600_000;
/** A report older than this (four missed cron runs) is stale: answer from the summaries instead. */
const STALE_AFTER_MS = HOUR;

/**
 * The recommender seed's /model_health, a regression view by contract: RMSE and R² of the default version
 * over the last 24 h; healthy when RMSE < 1.0 and R² > 0.6 (the model's registry thresholds), judged on the
 * evidence: unhealthy only when a one-sided 95 % bound excludes a bar (`verdict_rule`; the bounds are
 * additions beside the seed's point figures, docs/monitoring.md "Health verdict"). Answers from
 * the cron's latest report; when none is fresh, computes the same numbers from the monitoring summaries of
 * the window (the 5-min buckets of the last 24 h: every labelled prediction made in them, from sums, exact).
 * Either way the cost is bounded by the window's summary rows, not by the traffic. `baseline_skill` needs
 * rows: both paths take it from the bounded recent sample (≤ SKILL_SAMPLE_ROWS rows), as the report says.
 */
export async function readSeedModelHealth(
  { env }: Pick<RequestScope, "env">,
  model: string,
  now = Date.now(),
) {
  const record = await requireModelRecord(env.REGISTRY, model);
  const defaultManifest = await readDefaultManifest(env.REGISTRY, record);
  const thresholds = effectiveThresholds(record, defaultManifest);
  const row = await latestReport(env.DB, model);
  let source: "report" | "live";
  let metrics: RegressionHealthMetrics | null;
  let version = record.default;
  let windowHours = thresholds.window_hours;
  let reportStatus: string | null = null;
  if (row && now - row.generatedAt <= STALE_AFTER_MS) {
    const report = row.report as unknown as ModelReport;
    source = "report";
    version = report.performance.version;
    windowHours = report.window.hours;
    metrics = report.performance.default as RegressionHealthMetrics | null;
    reportStatus = row.status;
  } else {
    source = "live";
    const start = Math.floor((now - windowHours * HOUR) / FINE_BUCKET_MS) * FINE_BUCKET_MS;
    const summaries = await readSummaries(env.DB, model, start, now + 1);
    const served = mergeAll(
      summaries
        .filter(({ key }) => key.route !== "shadow" && key.version === record.default)
        .map(({ summary }) => summary),
    );
    const labelled = labelledPerformance(served?.labelled) as RegressionHealthMetrics | null;
    const sample = labelled ? await readRecentRows(env.DB, model, start, now + 1, SKILL_SAMPLE_ROWS) : [];
    metrics = labelled && {
      ...labelled,
      baseline_skill: sampledSkill(sample, record.default).baseline_skill,
    };
  }
  const reasons = performanceReasons(metrics, thresholds, regression);
  const enough = !reasons.some((reason) => reason.code === "insufficient_feedback");
  const healthy = enough ? !reasons.some((reason) => reason.severity === "critical") : null;
  return {
    model,
    version,
    window_hours: windowHours,
    status: healthy === null ? ("no_data" as const) : healthy ? ("healthy" as const) : ("unhealthy" as const),
    healthy,
    rmse: metrics?.rmse ?? null,
    r2: metrics?.r2 ?? null,
    mae: metrics?.mae ?? null,
    mse: metrics?.mse ?? null,
    thresholds: {
      rmse_max: thresholds.rmse_max ?? null,
      r2_min: thresholds.r2_min ?? null,
      min_feedback: thresholds.min_feedback,
    },
    feedback_count: metrics?.n ?? 0,
    message: reasons.map((reason) => reason.message).join("; ") || "RMSE and R² within the thresholds",
    source,
    report_id: source === "report" ? (row?.id ?? null) : null,
    report_status: reportStatus,
    timestamp: isoSeconds(),
    // additions (issue 12), after every seed field: the bounds the verdict is judged on
    rmse_bounds: metrics?.rmse_bounds ?? null,
    r2_bounds: metrics?.r2_bounds ?? null,
    baseline_skill: metrics?.baseline_skill ?? null,
    verdict_rule: VERDICT_RULE,
    min_labels_for_bounds: MIN_LABELS_FOR_BOUNDS,
  };
}
