import type { DriftMethodChoices } from "./drift/method-choice.ts";

/** A model's monitoring thresholds (registry `ModelRecord.thresholds` over repository/default-thresholds.ts). */
export interface MonitoringThresholds {
  psi_warn: number;
  psi_drift: number;
  p_value: number;
  dataset_drift_share: number;
  rmse_max?: number;
  r2_min?: number;
  auc_min?: number;
  error_rate_max: number;
  min_feedback: number;
  window_hours: number;
  /** Drift method per feature kind / feature; absent: the default rule (docs/monitoring.md "Drift methods"). */
  drift_methods?: DriftMethodChoices;
}
