import type { Manifest } from "../contracts/manifest.ts";
import type { MonitoringThresholds } from "./registry-types.ts";

/** Monitoring defaults of DESIGN.md; the recommender seed's bar (RMSE < 1.0, R² > 0.6) for regression. */
export function defaultThresholds(task: Manifest["task"]): MonitoringThresholds {
  const common = {
    psi_warn: 0.1,
    psi_drift: 0.25,
    p_value: 0.05,
    dataset_drift_share: 0.5,
    error_rate_max: 0.05,
    min_feedback: 30,
    window_hours: 24,
  };
  return task === "regression" ? { ...common, rmse_max: 1.0, r2_min: 0.6 } : { ...common, auc_min: 0.7 };
}
