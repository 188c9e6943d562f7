import { binnedWasserstein } from "../stats/binned-wasserstein.ts";
import { normalisedWasserstein } from "../stats/wasserstein.ts";
import { finestGrid } from "./binned-sample.ts";
import type { DriftMethod } from "./drift-method.ts";

/** Evidently's default for numeric features of references over 1,000 rows, at the same 0.1. */
const WASSERSTEIN_THRESHOLD = 0.1;

export const wassersteinMethod = {
  name: "wasserstein",
  description:
    "Wasserstein-1 distance in reference standard deviations, the reference modelled by its 101 quantiles; drift when it reaches the threshold",
  kinds: ["numeric", "prediction"],
  needs: ["quantiles", "std"],
  judges: "statistic",
  defaultThreshold: () => WASSERSTEIN_THRESHOLD,
  numeric: (sample) => ({
    statistic: normalisedWasserstein(
      sample.values,
      sample.reference.quantiles,
      sample.reference.std,
      sample.discrete,
    ),
    p_value: null,
  }),
  /** Within the bound of stats/binned-wasserstein.ts. */
  binned: (sample) => {
    const w = binnedWasserstein(
      finestGrid(sample),
      sample.reference.quantiles,
      sample.reference.std,
      sample.discrete,
    );
    return { statistic: w.statistic, p_value: null, statistic_bounds: w.bounds };
  },
} as const satisfies DriftMethod;
