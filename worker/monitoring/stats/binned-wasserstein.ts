import { absLinear, type BinnedValues, cdfPieces, type ReferenceCdf, totalCount } from "./binned-cdf.ts";
import { quantileCdf } from "./ks-test.ts";
import { WASSERSTEIN_MIN_STD } from "./wasserstein.ts";

interface BinnedWasserstein {
  /** W1 in reference standard deviations, the window uniform within each bin (the point estimate). */
  statistic: number;
  /**
   * The exact normalised W1 of ANY raw values with these counts (and min/max) lies in [lower, upper]; upper is
   * null when the summary has no min/max and a tail bin holds values (the distance is then unbounded above).
   */
  bounds: { lower: number; upper: number | null };
}

/**
 * The reference model of stats/wasserstein.ts as a CDF: continuous features the linear quantile CDF; integer
 * features the step that gives each percentile half to q_i and half to q_{i+1} (r quantiles at or below x:
 * (min(r, S) + max(0, r − 1)) / 2S over S segments).
 */
function wassersteinReference(quantiles: readonly number[], discrete: boolean): ReferenceCdf {
  const knots = [...new Set(quantiles)].sort((x, y) => x - y);
  if (!discrete)
    return {
      right: (x) => quantileCdf(quantiles, x, false, false),
      left: (x) => quantileCdf(quantiles, x, false, true),
      knots,
    };
  const segments = quantiles.length - 1;
  const step = (x: number, strict: boolean) => {
    const r = quantiles.filter((q) => (strict ? q < x : q <= x)).length;
    return (Math.min(r, segments) + Math.max(0, r - 1)) / (2 * segments);
  };
  return { right: (x) => step(x, false), left: (x) => step(x, true), knots };
}

/**
 * W1 = ∫ |F_n(x) − F_ref(x)| dx over the pieces of stats/binned-cdf.ts. On a piece the window's CDF lies in
 * [lo, hi], so the integrand is at least the distance of F_ref to that interval, (|G − lo| + |G − hi| − (hi − lo))/2,
 * and at most max(|G − lo|, |G − hi|) = |G − mid| + (hi − lo)/2; the estimate integrates |L − G| with L linear.
 */
export function binnedWasserstein(
  binned: BinnedValues,
  quantiles: readonly number[],
  referenceStd: number,
  discrete: boolean,
): BinnedWasserstein {
  const scale = Math.max(referenceStd, WASSERSTEIN_MIN_STD);
  if (totalCount(binned.counts) === 0 || quantiles.length < 2)
    return { statistic: 0, bounds: { lower: 0, upper: 0 } };
  let lower = 0;
  let upper = 0;
  let estimate = 0;
  for (const piece of cdfPieces(binned, wassersteinReference(quantiles, discrete), discrete)) {
    const width = piece.b - piece.a;
    const spread = piece.hi - piece.lo;
    const flatAndEqual = piece.g0 === piece.g1 && piece.lo === piece.hi && piece.lo === piece.g0;
    if (!Number.isFinite(width)) {
      // An unbounded piece: both CDFs are flat there; finite only where they agree.
      if (!flatAndEqual) {
        const gap = Math.abs(piece.g0 - piece.lo) + spread;
        if (gap > 0) upper = Number.POSITIVE_INFINITY;
      }
      continue;
    }
    const toLo = absLinear(piece.g0 - piece.lo, piece.g1 - piece.lo, width);
    const toHi = absLinear(piece.g0 - piece.hi, piece.g1 - piece.hi, width);
    const mid = (piece.lo + piece.hi) / 2;
    lower += Math.max(0, (toLo + toHi - spread * width) / 2);
    upper += absLinear(piece.g0 - mid, piece.g1 - mid, width) + (spread / 2) * width;
    estimate += absLinear(piece.l0 - piece.g0, piece.l1 - piece.g1, width);
  }
  return {
    statistic: estimate / scale,
    bounds: { lower: lower / scale, upper: Number.isFinite(upper) ? upper / scale : null },
  };
}
