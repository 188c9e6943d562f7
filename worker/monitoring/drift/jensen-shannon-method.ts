import { alignedCategoryProportions, jensenShannonDistance } from "../stats/jensen-shannon.ts";
import { binProportions } from "../stats/psi.ts";
import { binnedProportions } from "./binned-sample.ts";
import type { DriftMethod } from "./drift-method.ts";

/** Evidently's default for category features of references over 1,000 rows, at the same 0.1. */
const JENSEN_SHANNON_THRESHOLD = 0.1;

export const jensenShannonMethod = {
  name: "jensen_shannon",
  description:
    "Jensen–Shannon distance (natural log) on the manifest's bins or on category proportions; drift when it reaches the threshold",
  kinds: ["numeric", "category", "prediction"],
  needs: ["bins", "proportions"],
  judges: "statistic",
  defaultThreshold: () => JENSEN_SHANNON_THRESHOLD,
  numeric: (sample) => {
    const { edges, proportions } = sample.reference.bins;
    return {
      statistic: jensenShannonDistance(proportions, binProportions(edges, sample.values)),
      p_value: null,
    };
  },
  binned: (sample) => ({
    statistic: jensenShannonDistance(sample.reference.bins.proportions, binnedProportions(sample)),
    p_value: null,
  }),
  category: (sample) => {
    const aligned = alignedCategoryProportions(sample.counts, sample.reference);
    return { statistic: jensenShannonDistance(aligned.reference, aligned.current), p_value: null };
  },
} as const satisfies DriftMethod;
