import type { DriftFeatureKind, DriftLevels, DriftMethod } from "./drift-method.ts";
import { type DriftMethodName, driftMethod } from "./registry.ts";

/**
 * How methods are picked when a model names none:
 * - `ks_chi_square`: KS for numeric features and predictions, chi-square for categories, at every reference size
 *   (the platform's rule before methods were pluggable; the shipped default, see repository/default-thresholds.ts);
 * - `reference_size`: Evidently's rule — the same up to 1,000 reference rows, above that Wasserstein (numeric,
 *   predictions) and Jensen–Shannon (categories), both at 0.1.
 */
export const DRIFT_DEFAULT_RULES = ["ks_chi_square", "reference_size"] as const;
export type DriftDefaultRule = (typeof DRIFT_DEFAULT_RULES)[number];

/** Evidently's cut between a small reference (tests) and a large one (distances). */
export const LARGE_REFERENCE_ROWS = 1000;

export interface DriftMethodChoice {
  method: DriftMethodName;
  /** In the method's own unit (a p-value level or a statistic); the method's default when absent. */
  threshold?: number;
}

/** A model's drift methods: per feature kind, per feature (wins over its kind), and the rule for the rest. */
export interface DriftMethodChoices {
  default_rule?: DriftDefaultRule;
  numeric?: DriftMethodChoice;
  category?: DriftMethodChoice;
  prediction?: DriftMethodChoice;
  features?: Record<string, DriftMethodChoice>;
}

type DriftShape = "numeric" | "category";

export function defaultMethod(
  rule: DriftDefaultRule,
  shape: DriftShape,
  referenceRows: number,
): DriftMethodName {
  if (rule === "reference_size" && referenceRows > LARGE_REFERENCE_ROWS) {
    return shape === "numeric" ? "wasserstein" : "jensen_shannon";
  }
  return shape === "numeric" ? "ks" : "chi_square";
}

export interface ResolvedMethod {
  name: DriftMethodName;
  method: DriftMethod;
  threshold: number;
}

/**
 * The method judging one feature (or the prediction, `featureName` null): the feature's own choice, else its
 * kind's, else the default rule. A choice that cannot compute on this data shape (e.g. a prediction choice of
 * `ks` on a model whose prediction reference is categorical) falls back to the default rule.
 */
export function resolveMethod(
  choices: DriftMethodChoices | undefined,
  kind: DriftFeatureKind,
  shape: DriftShape,
  featureName: string | null,
  referenceRows: number,
  levels: DriftLevels,
): ResolvedMethod {
  const chosen = (featureName === null ? undefined : choices?.features?.[featureName]) ?? choices?.[kind];
  const usable = chosen && driftMethod(chosen.method)[shape] !== undefined ? chosen : undefined;
  const name =
    usable?.method ?? defaultMethod(choices?.default_rule ?? "ks_chi_square", shape, referenceRows);
  const method = driftMethod(name);
  return { name, method, threshold: usable?.threshold ?? method.defaultThreshold(levels) };
}
