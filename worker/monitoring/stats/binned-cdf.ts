/**
 * A window known only by its counts over fixed bins (a monitoring summary), against a reference CDF.
 *
 * The bins are the manifest's: interior cut points e_0 < … < e_{k−1}, bin 0 = (−∞, e_0), bin j = [e_{j−1}, e_j),
 * bin k = [e_{k−1}, ∞) (numpy searchsorted side="right", as stats/psi.ts bins raw values). With C_j the count of
 * bins 0..j, the window's CDF at a point x of bin j is only known to lie in [C_{j−1}/n, C_j/n]; at every edge its
 * left limit F_n(e_j⁻) = C_j/n is exact, and below the window's minimum (above its maximum) it is 0 (1).
 *
 * Every binned statistic is computed three ways on the same pieces: a lower and an upper bound that hold for ANY
 * raw values with these counts (so they contain the exact figure of the raw rows), and a point estimate taking
 * the values uniform within each bin (the bin clipped to the window's [min, max]).
 */

/** A reference CDF: right-continuous values, left limits, and the points where it may bend or jump. */
export interface ReferenceCdf {
  right(x: number): number;
  left(x: number): number;
  /** Between two consecutive knots the CDF is linear (a step function is constant there). */
  knots: readonly number[];
}

/** Counts over the bins of `edges` (length edges + 1), with the window's min and max when the summary kept them. */
export interface BinnedValues {
  edges: readonly number[];
  counts: readonly number[];
  min?: number | null;
  max?: number | null;
}

/** One piece of the real line on which the reference is linear and the window's CDF lies in [lo, hi]. */
interface CdfPiece {
  a: number;
  b: number;
  /** Reference CDF at a⁺ and b⁻ (linear in between). */
  g0: number;
  g1: number;
  /** Bounds of the window's CDF over the piece (exact when lo = hi). */
  lo: number;
  hi: number;
  /** The point estimate's window CDF at a⁺ and b⁻ (uniform within the bin). */
  l0: number;
  l1: number;
}

export function totalCount(counts: readonly number[]): number {
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * The pieces between −∞ … +∞ cut at every edge, every reference knot and the window's min/max. The two outer
 * pieces are unbounded (a = −∞ / b = +∞); both CDFs are flat there (0 or 1, or a known bin bound).
 */
export function cdfPieces(binned: BinnedValues, reference: ReferenceCdf, discrete = false): CdfPiece[] {
  const { edges, counts } = binned;
  const n = totalCount(counts);
  const min = binned.min ?? Number.NEGATIVE_INFINITY;
  const max = binned.max ?? Number.POSITIVE_INFINITY;
  const cumulative: number[] = [];
  let running = 0;
  for (const count of counts) {
    running += count;
    cumulative.push(running / n);
  }
  // The estimate's ends of each bin: the bin clipped to the window's range (open tails: to the reference's).
  const low = Math.min(reference.knots[0] ?? 0, edges[0] ?? 0);
  const high = Math.max(reference.knots.at(-1) ?? 0, edges.at(-1) ?? 0);
  const bins = counts.map((_, j) => {
    const start = Math.max(j === 0 ? (Number.isFinite(min) ? min : low) : (edges[j - 1] as number), min);
    const end = Math.min(
      j === edges.length ? (Number.isFinite(max) ? max : high) : (edges[j] as number),
      max,
    );
    return {
      start,
      end,
      integers: discrete ? integersIn(start, end, j === edges.length || (edges[j] as number) > max) : null,
    };
  });
  const points = [
    ...new Set(
      [...edges, ...reference.knots, min, max, ...bins.flatMap((bin) => bin.integers ?? [])].filter(
        Number.isFinite,
      ),
    ),
  ].sort((x, y) => x - y);
  const bounds = [Number.NEGATIVE_INFINITY, ...points, Number.POSITIVE_INFINITY];
  const pieces: CdfPiece[] = [];
  let j = 0;
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = bounds[i] as number;
    const b = bounds[i + 1] as number;
    while (j < edges.length && (edges[j] as number) <= a) j++;
    const before = j === 0 ? 0 : (cumulative[j - 1] as number);
    const through = cumulative[j] as number;
    const g0 = Number.isFinite(a) ? reference.right(a) : reference.left(b);
    const g1 = Number.isFinite(b) ? reference.left(b) : reference.right(a);
    const { start, end, integers } = bins[j] as { start: number; end: number; integers: number[] | null };
    let lo = before;
    let hi = through;
    if (b <= min) hi = lo = 0;
    else if (a >= max) lo = hi = 1;
    if (integers && integers.length > 0) {
      // Integer values only change the CDF at integers: before the bin's first, after its last, it is known.
      const first = integers[0] as number;
      const last = integers.at(-1) as number;
      if (b <= first) hi = lo;
      else if (a >= last) lo = hi;
      const share = integers.filter((value) => value <= a).length / integers.length;
      const value = lo === hi ? lo : before + (through - before) * share;
      pieces.push({ a, b, g0, g1, lo, hi, l0: value, l1: value });
      continue;
    }
    const at = (x: number) => {
      if (!(end > start) || !Number.isFinite(x)) return x >= end ? hi : lo;
      return lo + (hi - lo) * Math.min(1, Math.max(0, (x - start) / (end - start)));
    };
    pieces.push({ a, b, g0, g1, lo, hi, l0: at(a), l1: at(b) });
  }
  return pieces;
}

/** Integer features: at most this many integers per bin are placed one by one (beyond, the bin is linear). */
const MAX_INTEGERS_PER_BIN = 64;

/** The integers of [start, end) (or [start, end] when `closed`); null when unbounded or too many. */
function integersIn(start: number, end: number, closed: boolean): number[] | null {
  if (!Number.isFinite(start) || !Number.isFinite(end)) return null;
  const first = Math.ceil(start);
  const last = closed ? Math.floor(end) : Math.ceil(end) - 1;
  if (last - first + 1 > MAX_INTEGERS_PER_BIN) return null;
  return Array.from({ length: Math.max(0, last - first + 1) }, (_, index) => first + index);
}

/** ∫ |y(t)| dt over a width on which y runs linearly from y0 to y1. */
export function absLinear(y0: number, y1: number, width: number): number {
  if (width === 0) return 0;
  if (y0 * y1 >= 0) return (Math.abs(y0 + y1) / 2) * width;
  // y crosses 0: two triangles.
  return ((y0 * y0 + y1 * y1) / (2 * (Math.abs(y0) + Math.abs(y1)))) * width;
}

/** The reference as the linear quantile CDF (continuous) or its step (integer features), as stats/ks-test.ts. */
export function quantileReference(
  quantiles: readonly number[],
  cdf: (x: number, strict: boolean) => number,
): ReferenceCdf {
  return {
    right: (x) => cdf(x, false),
    left: (x) => cdf(x, true),
    knots: [...new Set(quantiles)].sort((x, y) => x - y),
  };
}
