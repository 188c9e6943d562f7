import type { Manifest } from "../contracts/manifest.ts";
import { taskNamed } from "../tasks/index.ts";
import type { MonitoringThresholds } from "./registry-types.ts";

/** Monitoring defaults of DESIGN.md, then the task's performance bars (regression: RMSE < 1.0, R² > 0.6). */
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
  return { ...common, ...taskNamed(task).defaultBars };
}
