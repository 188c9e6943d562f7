/**
 * The regression health verdict on evidence (docs/monitoring.md, "Health verdict"): a bar is failed only
 * when its confidence bound excludes it — RMSE's lower bound ≥ rmse_max, or R²'s upper bound ≤ r2_min
 * (each a one-sided 95 % bound, so a model exactly at a bar is called unhealthy in ≤ 5 % of windows per
 * bar). A point figure past a bar whose bound still admits it is reported as `info` (does not change the
 * status). Without bounds (fewer than MIN_LABELS_FOR_BOUNDS rows) the point rule of the seed applies.
 */
import type { Bounds } from "./regression-bounds.ts";

export const VERDICT_RULE =
  "unhealthy when the one-sided 95% bound excludes a bar: RMSE lower bound >= rmse_max or R² upper bound <= r2_min; point figures alone past a bar are inconclusive";

type BarOutcome = "pass" | "fail" | "inconclusive";

/** A bar where larger is worse (RMSE): fail only when even the lower bound reaches it. */
export function judgeMax(point: number, bounds: Bounds | null | undefined, max: number): BarOutcome {
  if (point < max) return "pass";
  if (!bounds) return "fail";
  return bounds.lower >= max ? "fail" : "inconclusive";
}

/** A bar where smaller is worse (R²): fail only when even the upper bound is at or below it. */
export function judgeMin(point: number | null, bounds: Bounds | null | undefined, min: number): BarOutcome {
  if (point !== null && point > min) return "pass";
  if (point === null || !bounds) return "fail";
  return bounds.upper <= min ? "fail" : "inconclusive";
}
