import type { NumericReference } from "../../contracts/manifest.ts";

/** What a method can judge: a numeric feature, a category feature, or the model's output. */
export type DriftFeatureKind = "numeric" | "category" | "prediction";

/** The parts of a manifest reference a method reads (numeric: bins, quantiles, std; category: proportions). */
export type ReferenceNeed = "bins" | "quantiles" | "std" | "proportions";

/** A numeric window against its numeric reference. */
export interface NumericSample {
  values: readonly number[];
  reference: NumericReference;
  referenceRows: number;
  /** An integer feature: its reference CDF is a step function (see stats/ks-test.ts). */
  discrete: boolean;
}

/**
 * A numeric window known by its counts over the reference's bins (a monitoring summary), with its min/max
 * and mean when kept. Optionally finer counts over the reference's quantiles as edges (tighter KS/W1 bounds).
 */
export interface BinnedNumericSample {
  /** Counts over `reference.bins.edges` (length edges + 1). */
  counts: readonly number[];
  /** Counts over another grid (e.g. the reference quantiles), used by KS / Wasserstein when present. */
  fine?: { edges: readonly number[]; counts: readonly number[] } | null;
  n: number;
  min?: number | null;
  max?: number | null;
  reference: NumericReference;
  referenceRows: number;
  discrete: boolean;
}

/** A category window (counts per value) against the reference proportions. */
export interface CategorySample {
  counts: ReadonlyMap<string, number>;
  n: number;
  reference: Readonly<Record<string, number>>;
  referenceRows: number;
}

export interface DriftMeasure {
  statistic: number;
  /** Tests only; distances have none. */
  p_value: number | null;
  /**
   * Binned forms whose statistic is an approximation: the exact statistic of the raw values lies within
   * (upper null: unbounded). Absent when the binned figure is exact (PSI, Jensen–Shannon, chi-square).
   */
  statistic_bounds?: { lower: number; upper: number | null };
}

/** The model-wide levels a method's default threshold may come from. */
export interface DriftLevels {
  psi_warn: number;
  psi_drift: number;
  p_value: number;
}

/**
 * One drift method. `judges` says what its threshold means: `p_value` — the feature's signal fires when the
 * p-value is below the threshold (divided by the number of features tested together, Bonferroni); `statistic`
 * — when the statistic reaches the threshold. A method computes on numeric samples, category samples or both.
 */
export interface DriftMethod {
  readonly name: string;
  readonly description: string;
  readonly kinds: readonly DriftFeatureKind[];
  readonly needs: readonly ReferenceNeed[];
  readonly judges: "p_value" | "statistic";
  defaultThreshold(levels: DriftLevels): number;
  numeric?(sample: NumericSample): DriftMeasure;
  /** The numeric form on binned counts (monitoring reports read summaries, not rows). */
  binned?(sample: BinnedNumericSample): DriftMeasure;
  category?(sample: CategorySample): DriftMeasure;
}
