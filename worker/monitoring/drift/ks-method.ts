import { binnedKs } from "../stats/binned-ks.ts";
import { ksAgainstReference } from "../stats/ks-test.ts";
import { finestGrid } from "./binned-sample.ts";
import type { DriftMethod } from "./drift-method.ts";

export const ksMethod = {
  name: "ks",
  description:
    "Two-sample Kolmogorov–Smirnov against the reference quantile CDF; drift signal when p < threshold",
  kinds: ["numeric", "prediction"],
  needs: ["quantiles"],
  judges: "p_value",
  defaultThreshold: (levels) => levels.p_value,
  numeric: (sample) => {
    const ks = ksAgainstReference(
      sample.values,
      sample.reference.quantiles,
      sample.referenceRows,
      sample.discrete,
    );
    return { statistic: ks.statistic, p_value: ks.p_value };
  },
  /** Within the bound of stats/binned-ks.ts (the exact statistic lies in statistic_bounds). */
  binned: (sample) => {
    const ks = binnedKs(
      finestGrid(sample),
      sample.reference.quantiles,
      sample.referenceRows,
      sample.discrete,
    );
    return { statistic: ks.statistic, p_value: ks.p_value, statistic_bounds: ks.bounds };
  },
} as const satisfies DriftMethod;
