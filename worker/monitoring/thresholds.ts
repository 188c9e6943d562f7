import type { PerformanceBars } from "../tasks/index.ts";
import type { DriftMethodChoices } from "./drift/method-choice.ts";

/**
 * A model's monitoring thresholds (registry `ModelRecord.thresholds` over repository/default-thresholds.ts):
 * the common ones here, the performance bars of the tasks (rmse_max, auc_min, …) from worker/tasks.
 */
export interface MonitoringThresholds extends PerformanceBars {
  psi_warn: number;
  psi_drift: number;
  p_value: number;
  dataset_drift_share: number;
  error_rate_max: number;
  min_feedback: number;
  window_hours: number;
  /** Drift method per feature kind / feature; absent: the default rule (docs/monitoring.md "Drift methods"). */
  drift_methods?: DriftMethodChoices;
}
