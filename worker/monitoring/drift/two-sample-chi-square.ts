import { gammaQ } from "../../tasks/metrics/special-functions.ts";

interface TwoSampleChiSquare {
  statistic: number;
  p_value: number;
  df: number;
}

/**
 * Chi-square test of homogeneity of the window's counts against the reference's counts (its proportions × its
 * rows N): both are samples, so the pooled proportion (O_i + R_i)/(n + N) is the expectation of both and
 * χ² = Σ (O_i − n·p̂_i)²/(n·p̂_i) + (R_i − N·p̂_i)²/(N·p̂_i) with (buckets − 1) degrees of freedom. Against the
 * one-sample goodness of fit (reference proportions taken as exact) this is ≈ N/(n + N) times smaller, which is
 * what keeps a 50,000-row window against a 4,800-row reference from flagging the reference's own noise.
 * A value absent from the reference has R_i = 0 (the pooled proportion still counts it).
 */
export function twoSampleChiSquare(
  counts: ReadonlyMap<string, number>,
  proportions: Readonly<Record<string, number>>,
  referenceRows: number,
): TwoSampleChiSquare {
  const values = new Set([...Object.keys(proportions), ...counts.keys()]);
  let n = 0;
  for (const count of counts.values()) n += count;
  const total = Object.values(proportions).reduce((sum, p) => sum + p, 0) || 1;
  const referenceN = Math.max(referenceRows, 1);
  let statistic = 0;
  let buckets = 0;
  for (const value of values) {
    const observed = counts.get(value) ?? 0;
    const reference = ((proportions[value] ?? 0) / total) * referenceN;
    const pooled = (observed + reference) / (n + referenceN);
    if (pooled <= 0) continue;
    buckets += 1;
    statistic +=
      (observed - n * pooled) ** 2 / (n * pooled) +
      (reference - referenceN * pooled) ** 2 / (referenceN * pooled);
  }
  const df = buckets - 1;
  if (n === 0 || df < 1) return { statistic: 0, p_value: 1, df: Math.max(df, 0) };
  return { statistic, p_value: gammaQ(df / 2, statistic / 2), df };
}
