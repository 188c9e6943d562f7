import { chiSquareAgainstReference } from "../stats/chi-square.ts";
import type { DriftMethod } from "./drift-method.ts";

export const chiSquareMethod = {
  name: "chi_square",
  description:
    "Chi-square goodness of fit against the reference proportions; drift signal when p < threshold",
  kinds: ["category", "prediction"],
  needs: ["proportions"],
  judges: "p_value",
  defaultThreshold: (levels) => levels.p_value,
  category: (sample) => {
    const chi = chiSquareAgainstReference(sample.counts, sample.reference, sample.referenceRows);
    return { statistic: chi.statistic, p_value: chi.p_value };
  },
} as const satisfies DriftMethod;
