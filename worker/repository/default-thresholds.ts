import type { Manifest } from "../contracts/manifest.ts";
import type { DriftDefaultRule } from "../monitoring/drift/method-choice.ts";
import { taskNamed } from "../tasks/index.ts";
import type { MonitoringThresholds } from "./registry-types.ts";

/**
 * How drift methods are picked for a model that names none (`drift_methods.default_rule`, per model).
 * Evidently's rule (`reference_size`: Wasserstein / Jensen–Shannon above 1,000 reference rows) would move the
 * shipped recommender (4,800 rows) and kredipusula (3,600) off KS / chi-square and change their reports and the
 * drift-replay expectations, so the shipped default keeps KS / chi-square at every size; a model opts in with
 * PUT …/thresholds {"drift_methods": {"default_rule": "reference_size"}}.
 */
export const DEFAULT_DRIFT_RULE: DriftDefaultRule = "ks_chi_square";

/** Monitoring defaults of DESIGN.md common to every task. */
export function commonThresholds(): MonitoringThresholds {
  return {
    psi_warn: 0.1,
    psi_drift: 0.25,
    p_value: 0.05,
    dataset_drift_share: 0.5,
    error_rate_max: 0.05,
    min_feedback: 30,
    window_hours: 24,
  };
}

/** The common defaults, then the task's performance bars (regression: RMSE < 1.0, R² > 0.6). */
export function defaultThresholds(task: Manifest["task"]): MonitoringThresholds {
  return { ...commonThresholds(), ...taskNamed(task).defaultBars };
}
