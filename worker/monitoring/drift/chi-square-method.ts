import type { DriftMethod } from "./drift-method.ts";
import { twoSampleChiSquare } from "./two-sample-chi-square.ts";

export const chiSquareMethod = {
  name: "chi_square",
  description:
    "Two-sample chi-square (homogeneity) of the window's counts against the reference's counts (proportions × reference rows); drift signal when p < threshold",
  kinds: ["category", "prediction"],
  needs: ["proportions"],
  judges: "p_value",
  defaultThreshold: (levels) => levels.p_value,
  category: (sample) => {
    const chi = twoSampleChiSquare(sample.counts, sample.reference, sample.referenceRows);
    return { statistic: chi.statistic, p_value: chi.p_value };
  },
} as const satisfies DriftMethod;
