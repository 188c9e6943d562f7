import { normalSf, studentTTwoSided } from "../../tasks/metrics/special-functions.ts";
import { mean, variance } from "./summary-stats.ts";

export interface TestResult {
  test: "welch_t" | "two_proportion_z";
  statistic: number;
  p_value: number;
  /** Welch–Satterthwaite degrees of freedom (t-test only). */
  df?: number;
}

/** A sample known by its size, mean and variance (ddof = 1): from rows, or from a summary's sums. */
export interface SampleMoments {
  n: number;
  mean: number;
  variance: number;
}

/** Welch's unequal-variance t-test, two-sided (scipy `ttest_ind(equal_var=False)`). */
export function welchTTest(a: readonly number[], b: readonly number[]): TestResult | null {
  const ma = mean(a);
  const mb = mean(b);
  const va = variance(a);
  const vb = variance(b);
  if (ma === null || mb === null || va === null || vb === null) return null;
  return welchFromMoments({ n: a.length, mean: ma, variance: va }, { n: b.length, mean: mb, variance: vb });
}

/** Welch's test from the two samples' moments. */
export function welchFromMoments(a: SampleMoments, b: SampleMoments): TestResult | null {
  if (a.n < 2 || b.n < 2) return null;
  const sa = a.variance / a.n;
  const sb = b.variance / b.n;
  const se = Math.sqrt(sa + sb);
  if (se === 0) return null;
  const t = (a.mean - b.mean) / se;
  const df = (sa + sb) ** 2 / (sa ** 2 / (a.n - 1) + sb ** 2 / (b.n - 1));
  return { test: "welch_t", statistic: t, p_value: studentTTwoSided(t, df), df };
}

/** Two-proportion z-test with the pooled proportion, two-sided. */
export function twoProportionZTest(
  successesA: number,
  nA: number,
  successesB: number,
  nB: number,
): TestResult | null {
  if (nA === 0 || nB === 0) return null;
  const pooled = (successesA + successesB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  if (se === 0) return null;
  const z = (successesA / nA - successesB / nB) / se;
  return { test: "two_proportion_z", statistic: z, p_value: Math.min(1, 2 * normalSf(Math.abs(z))) };
}
