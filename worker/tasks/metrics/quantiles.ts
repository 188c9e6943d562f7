/**
 * Quantiles of the chi-square and Student-t distributions, by bisection on the CDFs in
 * special-functions.ts (stdlib's incomplete gamma / beta); accurate to ~1e-10, enough for bounds.
 */
import { betaI, gammaQ } from "./special-functions.ts";

function bisect(cdf: (x: number) => number, p: number, lo: number, hi: number): number {
  let a = lo;
  let b = hi;
  while (cdf(b) < p) b *= 2;
  for (let i = 0; i < 200 && b - a > 1e-12 * Math.max(1, Math.abs(b)); i++) {
    const mid = (a + b) / 2;
    if (cdf(mid) < p) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

/** The p-quantile of chi-square with `df` degrees of freedom (scipy `chi2.ppf`). */
export function chiSquareQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError("chiSquareQuantile needs 0 < p < 1, df > 0");
  return bisect((x) => 1 - gammaQ(df / 2, x / 2), p, 0, Math.max(1, df * 2));
}

/** The p-quantile of Student's t with `df` degrees of freedom (scipy `t.ppf`). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError("studentTQuantile needs 0 < p < 1, df > 0");
  if (p === 0.5) return 0;
  const upper = p > 0.5 ? p : 1 - p;
  // P(T <= t) for t > 0 is 1 - I_{df/(df+t²)}(df/2, 1/2) / 2.
  const t = bisect((x) => 1 - betaI(df / 2, 0.5, df / (df + x * x)) / 2, upper, 0, 8);
  return p > 0.5 ? t : -t;
}
