import type { HealthReason, Task } from "../tasks/index.ts";
import type { HealthStatus } from "../vocabulary/index.ts";
import type { DatasetDrift, FeatureDrift } from "./feature-drift.ts";
import type { OpsMetrics } from "./ops-metrics.ts";
import type { PerformanceMetrics } from "./performance.ts";
import type { MonitoringThresholds } from "./thresholds.ts";

export type { HealthReason, HealthStatus };

const fmt = (value: number) => Number(value.toPrecision(4));

/**
 * The performance bars of the thresholds, judged by the model's task (the seed's: RMSE < 1.0 and R² > 0.6
 * for regression) once the window holds enough feedback.
 */
export function performanceReasons(
  metrics: PerformanceMetrics | null,
  thresholds: MonitoringThresholds,
  task: Task | undefined,
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
  return task ? task.performanceReasons(metrics, thresholds) : [];
}

export function healthStatus(
  ops: OpsMetrics,
  performanceMetrics: PerformanceMetrics | null,
  drift: DatasetDrift | null,
  predictionDrift: FeatureDrift | null,
  thresholds: MonitoringThresholds,
  task: Task | undefined,
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
  reasons.push(...performanceReasons(performanceMetrics, thresholds, task));
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
