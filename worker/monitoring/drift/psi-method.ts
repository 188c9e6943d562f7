import { chiSquareAgainstReference } from "../stats/chi-square.ts";
import { binProportions, psi } from "../stats/psi.ts";
import { binnedProportions } from "./binned-sample.ts";
import type { BinnedNumericSample, CategorySample, DriftMethod, NumericSample } from "./drift-method.ts";

/** PSI over the manifest's bins, or over the category buckets chi-square compares (unseen values pooled). */
export function numericPsi(sample: NumericSample): number {
  const { edges, proportions } = sample.reference.bins;
  return psi(proportions, binProportions(edges, sample.values));
}

/** PSI over the manifest's bins from their counts: exact (the same bins as the raw form). */
export function binnedPsi(sample: BinnedNumericSample): number {
  return psi(sample.reference.bins.proportions, binnedProportions(sample));
}

export function categoryPsi(sample: CategorySample): number {
  const { buckets } = chiSquareAgainstReference(sample.counts, sample.reference, sample.referenceRows);
  return psi(
    buckets.map((bucket) => bucket.expected / sample.n),
    buckets.map((bucket) => bucket.observed / sample.n),
  );
}

export const psiMethod = {
  name: "psi",
  description: "Population stability index; drift when PSI reaches the threshold (psi_drift by default)",
  kinds: ["numeric", "category", "prediction"],
  needs: ["bins", "proportions"],
  judges: "statistic",
  defaultThreshold: (levels) => levels.psi_drift,
  numeric: (sample) => ({ statistic: numericPsi(sample), p_value: null }),
  binned: (sample) => ({ statistic: binnedPsi(sample), p_value: null }),
  category: (sample) => ({ statistic: categoryPsi(sample), p_value: null }),
} as const satisfies DriftMethod;
