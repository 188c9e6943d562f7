import type { BinnedValues } from "../stats/binned-cdf.ts";
import type { BinnedNumericSample } from "./drift-method.ts";

/** The finest grid a binned sample carries (its quantile counts when present, else the PSI bins), with min/max. */
export function finestGrid(sample: BinnedNumericSample): BinnedValues {
  const grid = sample.fine ?? { edges: sample.reference.bins.edges, counts: sample.counts };
  return { edges: grid.edges, counts: grid.counts, min: sample.min, max: sample.max };
}

/** The window's proportions over the reference's PSI bins. */
export function binnedProportions(sample: BinnedNumericSample): number[] {
  return sample.counts.map((count) => (sample.n > 0 ? count / sample.n : 0));
}
