/**
 * Wasserstein-1 distance between a sample and a reference known only by its 101 quantiles (0 %, 1 %, … 100 %).
 *
 * W1 = ∫₀¹ |Q_sample(u) − Q_ref(u)| du, computed exactly for the reference model used by KS (ks-test.ts):
 * continuous features take the quantile function linear between (i/100, q_i) (the inverse of the linear CDF),
 * integer features the step function Q(u) = q_⌈100u⌉ (mass 1/100 at each of q_1 … q_100). The sample's
 * quantile function is its empirical step Q(u) = x_(⌈nu⌉). The approximation is in the reference only: within
 * each percentile both the true and the modelled reference CDF stay inside [i/100, (i+1)/100].
 */
export function wassersteinToQuantiles(
  values: readonly number[],
  quantiles: readonly number[],
  discrete: boolean,
): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const segments = quantiles.length - 1;
  if (n === 0 || segments < 1) return 0;
  let total = 0;
  let u = 0;
  let sampleIndex = 0;
  let segment = 0;
  while (sampleIndex < n && segment < segments) {
    const sampleEnd = (sampleIndex + 1) / n;
    const segmentEnd = (segment + 1) / segments;
    const end = Math.min(sampleEnd, segmentEnd);
    if (end > u) {
      const x = sorted[sampleIndex] as number;
      if (discrete) {
        total += Math.abs(x - (quantiles[segment + 1] as number)) * (end - u);
      } else {
        const q0 = quantiles[segment] as number;
        const q1 = quantiles[segment + 1] as number;
        const at = (t: number) => q0 + (q1 - q0) * (t * segments - segment);
        total += absLinearIntegral(x, at(u), at(end), end - u);
      }
      u = end;
    }
    if (sampleEnd <= end) sampleIndex++;
    if (segmentEnd <= end) segment++;
  }
  return total;
}

/** ∫ |c − y(t)| dt over an interval of width `width` on which y runs linearly from y0 to y1. */
function absLinearIntegral(c: number, y0: number, y1: number, width: number): number {
  const d0 = y0 - c;
  const d1 = y1 - c;
  if (d0 * d1 >= 0) return (Math.abs(d0 + d1) / 2) * width;
  // The line crosses c: two triangles, split where it does.
  const share = Math.abs(d0) / (Math.abs(d0) + Math.abs(d1));
  return ((Math.abs(d0) * share + Math.abs(d1) * (1 - share)) / 2) * width;
}

/** Below this reference spread a normalised distance would explode; Evidently floors the std the same way. */
export const WASSERSTEIN_MIN_STD = 0.001;

/** W1 in units of the reference standard deviation (Evidently's `wasserstein` stattest). */
export function normalisedWasserstein(
  values: readonly number[],
  quantiles: readonly number[],
  referenceStd: number,
  discrete: boolean,
): number {
  return wassersteinToQuantiles(values, quantiles, discrete) / Math.max(referenceStd, WASSERSTEIN_MIN_STD);
}
