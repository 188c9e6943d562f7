import type { ModelReport } from "../monitoring/model-report.ts";
import { latestReport } from "../monitoring/store/report-store.ts";
import type { RequestScope } from "../platform/request-scope.ts";

/** The compact view of a model's latest report used by the health endpoints. */
export async function monitoringSummary({ env }: Pick<RequestScope, "env">, model: string) {
  const row = await latestReport(env.DB, model);
  if (!row) {
    return {
      model,
      status: "no_data" as const,
      report_id: null,
      generated_at: null,
      message: "No health report yet: the cron job writes one every 15 minutes once predictions are logged.",
    };
  }
  const report = row.report as unknown as ModelReport;
  return {
    model,
    status: row.status,
    reasons: report.reasons,
    report_id: row.id,
    generated_at: new Date(row.generatedAt).toISOString(),
    window: report.window,
    default_version: report.default_version,
    volume: report.ops.total.requests,
    error_rate: report.ops.total.error_rate,
    latency_ms: report.ops.total.latency_ms,
    performance: {
      version: report.performance.version,
      feedback_count: report.performance.feedback_count,
      ...report.performance.default,
    },
    drift: report.drift && {
      dataset_drift: report.drift.dataset_drift,
      drift_share: report.drift.drift_share,
      drifted_features: report.drift.drifted_features,
      warned_features: report.drift.warned_features,
    },
    prediction_drift: report.prediction_drift[report.default_version]?.status ?? null,
  };
}
