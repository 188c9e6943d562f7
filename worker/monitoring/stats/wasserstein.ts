/**
 * Wasserstein-1 distance between a sample and a reference known only by its 101 quantiles (0 %, 1 %, … 100 %).
 *
 * W1 = ∫₀¹ |Q_sample(u) − Q_ref(u)| du, computed exactly for a model of the reference. Continuous features take
 * the quantile function linear between (i/100, q_i), the inverse of the linear CDF KS uses (ks-test.ts).
 * Integer features take a step function that gives each percentile's 1/100 half to q_i and half to q_{i+1}: a
 * percentile straddling two values holds, on average, half of each (the CDF step KS uses, all of it to q_{i+1},
 * is biased by half a percent at every support point, which adds up over the support). The sample's quantile
 * function is its empirical step Q(u) = x_(⌈nu⌉). The approximation is in the reference only: by the triangle
 * inequality the error is at most W1(model, reference rows).
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
  const pieces = discrete ? 2 * segments : segments;
  /** The reference quantile function on piece `p`: from y0 at its start to y1 at its end. */
  const piece = (p: number): [number, number] => {
    if (!discrete) return [quantiles[p] as number, quantiles[p + 1] as number];
    const value = quantiles[(p >> 1) + (p & 1)] as number;
    return [value, value];
  };
  let total = 0;
  let u = 0;
  let sampleIndex = 0;
  let p = 0;
  while (sampleIndex < n && p < pieces) {
    const sampleEnd = (sampleIndex + 1) / n;
    const pieceStart = p / pieces;
    const pieceEnd = (p + 1) / pieces;
    const end = Math.min(sampleEnd, pieceEnd);
    if (end > u) {
      const [y0, y1] = piece(p);
      const at = (t: number) => y0 + (y1 - y0) * ((t - pieceStart) * pieces);
      total += absLinearIntegral(sorted[sampleIndex] as number, at(u), at(end), end - u);
      u = end;
    }
    if (sampleEnd <= end) sampleIndex++;
    if (pieceEnd <= end) p++;
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
