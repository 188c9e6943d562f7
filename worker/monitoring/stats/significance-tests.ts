import { normalSf, studentTTwoSided } from "../../tasks/metrics/special-functions.ts";
import { mean, variance } from "./summary-stats.ts";

export interface TestResult {
  test: "welch_t" | "two_proportion_z";
  statistic: number;
  p_value: number;
  /** Welch–Satterthwaite degrees of freedom (t-test only). */
  df?: number;
}

/** Welch's unequal-variance t-test, two-sided (scipy `ttest_ind(equal_var=False)`). */
export function welchTTest(a: readonly number[], b: readonly number[]): TestResult | null {
  const ma = mean(a);
  const mb = mean(b);
  const va = variance(a);
  const vb = variance(b);
  if (ma === null || mb === null || va === null || vb === null) return null;
  const sa = va / a.length;
  const sb = vb / b.length;
  const se = Math.sqrt(sa + sb);
  if (se === 0) return null;
  const t = (ma - mb) / se;
  const df = (sa + sb) ** 2 / (sa ** 2 / (a.length - 1) + sb ** 2 / (b.length - 1));
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
