import type { HealthStatus } from "../vocabulary/index.ts";
import type { DatasetDrift, FeatureDrift } from "./feature-drift.ts";
import type { OpsMetrics } from "./ops-metrics.ts";
import type { PerformanceMetrics } from "./performance.ts";
import type { MonitoringThresholds } from "./thresholds.ts";

export type { HealthStatus };

export interface HealthReason {
  severity: "info" | "warning" | "critical";
  code: string;
  message: string;
}

const fmt = (value: number) => Number(value.toPrecision(4));

/** The performance bar of the thresholds (the seed's: RMSE < 1.0 and R² > 0.6 for regression). */
export function performanceReasons(
  metrics: PerformanceMetrics | null,
  thresholds: MonitoringThresholds,
): HealthReason[] {
  if (!metrics || metrics.n < thresholds.min_feedback) {
    return [
      {
        severity: "info",
        code: "insufficient_feedback",
        message: `${metrics?.n ?? 0} labelled predictions in the window; performance is judged from ${thresholds.min_feedback}`,
      },
    ];
  }
  const reasons: HealthReason[] = [];
  if ("rmse" in metrics) {
    if (thresholds.rmse_max !== undefined && !(metrics.rmse < thresholds.rmse_max))
      reasons.push({
        severity: "critical",
        code: "rmse_above_max",
        message: `RMSE ${fmt(metrics.rmse)} ≥ ${thresholds.rmse_max}`,
      });
    if (thresholds.r2_min !== undefined && !(metrics.r2 !== null && metrics.r2 > thresholds.r2_min))
      reasons.push({
        severity: "critical",
        code: "r2_below_min",
        message: `R² ${metrics.r2 === null ? "undefined" : fmt(metrics.r2)} ≤ ${thresholds.r2_min}`,
      });
  } else if (
    thresholds.auc_min !== undefined &&
    !(metrics.auc !== null && metrics.auc >= thresholds.auc_min)
  ) {
    reasons.push({
      severity: "critical",
      code: "auc_below_min",
      message: `AUC ${metrics.auc === null ? "undefined" : fmt(metrics.auc)} < ${thresholds.auc_min}`,
    });
  }
  return reasons;
}

export function healthStatus(
  ops: OpsMetrics,
  performanceMetrics: PerformanceMetrics | null,
  drift: DatasetDrift | null,
  predictionDrift: FeatureDrift | null,
  thresholds: MonitoringThresholds,
): { status: HealthStatus; reasons: HealthReason[] } {
  if (ops.requests === 0) {
    return {
      status: "no_data",
      reasons: [{ severity: "info", code: "no_traffic", message: "no predictions in the window" }],
    };
  }
  const reasons: HealthReason[] = [];
  if (ops.error_rate > thresholds.error_rate_max)
    reasons.push({
      severity: "critical",
      code: "error_rate_above_max",
      message: `error rate ${fmt(ops.error_rate)} > ${thresholds.error_rate_max}`,
    });
  reasons.push(...performanceReasons(performanceMetrics, thresholds));
  if (drift?.dataset_drift)
    reasons.push({
      severity: "warning",
      code: "dataset_drift",
      message: `${drift.drifted_features.length}/${drift.evaluated_features} features drifted (share ≥ ${thresholds.dataset_drift_share})`,
    });
  else if (drift && drift.drifted_features.length > 0)
    reasons.push({
      severity: "warning",
      code: "feature_drift",
      message: `drift in ${drift.drifted_features.join(", ")}`,
    });
  if (drift && drift.warned_features.length > 0)
    reasons.push({
      severity: "info",
      code: "feature_drift_warning",
      message: `PSI or test warning in ${drift.warned_features.join(", ")}`,
    });
  if (predictionDrift?.status === "drift")
    reasons.push({
      severity: "warning",
      code: "prediction_drift",
      message: `prediction distribution drifted (PSI ${fmt(predictionDrift.psi ?? 0)})`,
    });
  const status: HealthStatus = reasons.some((reason) => reason.severity === "critical")
    ? "unhealthy"
    : reasons.some((reason) => reason.severity === "warning")
      ? "warning"
      : "healthy";
  return { status, reasons };
}
