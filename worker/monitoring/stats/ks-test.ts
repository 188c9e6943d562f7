import { kolmogorovSf } from "../../tasks/metrics/special-functions.ts";

/**
 * The reference CDF from its 101 quantiles (0 %, 1 %, …, 100 %). Continuous features interpolate
 * linearly between quantiles; integer features use the right-continuous step F(x) = max{i : q_i ≤ x}/100,
 * because a linear CDF through the plateaus of discrete data would be off by a whole point mass.
 * `strict` gives the left limit F(x⁻), needed where the CDF jumps.
 */
export function quantileCdf(
  quantiles: readonly number[],
  x: number,
  discrete: boolean,
  strict = false,
): number {
  const last = quantiles.length - 1;
  const below = (q: number) => (strict ? q < x : q <= x);
  if (!below(quantiles[0] as number)) return 0;
  let lo = 0;
  let hi = last;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (below(quantiles[mid] as number)) lo = mid;
    else hi = mid - 1;
  }
  if (lo === last) return 1;
  if (discrete) return lo / last;
  const q0 = quantiles[lo] as number;
  const q1 = quantiles[lo + 1] as number;
  const within = q1 > q0 ? Math.min(1, Math.max(0, (x - q0) / (q1 - q0))) : 0;
  return (lo + within) / last;
}

export interface KsResult {
  statistic: number;
  p_value: number;
  n: number;
  effective_n: number;
}

/**
 * Two-sample KS of the window against the reference sample summarised by its quantiles: the statistic
 * is sup|F_n − F_ref|, and the asymptotic Kolmogorov p-value uses the effective size n·m/(n+m), m being
 * the reference rows (the reference is a sample too, not the true distribution).
 */
export function ksAgainstReference(
  values: readonly number[],
  quantiles: readonly number[],
  referenceRows: number,
  discrete: boolean,
): KsResult {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { statistic: 0, p_value: 1, n: 0, effective_n: 0 };
  let d = 0;
  for (let i = 0; i < n; i++) {
    const x = sorted[i] as number;
    // Between observations the ECDF is flat and the reference CDF monotone, so the supremum sits at an
    // observation: the ECDF after its last tie against F(x), before its first tie against F(x⁻).
    if (i + 1 < n && sorted[i + 1] === x) continue;
    let first = i;
    while (first > 0 && sorted[first - 1] === x) first--;
    const after = Math.abs((i + 1) / n - quantileCdf(quantiles, x, discrete));
    const before = Math.abs(first / n - quantileCdf(quantiles, x, discrete, true));
    d = Math.max(d, after, before);
  }
  const effectiveN = referenceRows > 0 ? (n * referenceRows) / (n + referenceRows) : n;
  return { statistic: d, p_value: kolmogorovSf(Math.sqrt(effectiveN) * d), n, effective_n: effectiveN };
}
