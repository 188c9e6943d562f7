/**
 * Bin of `x` for ascending cut points: the number of cut points ≤ x (numpy searchsorted side="right"), the
 * rule of the drift code (stats/psi.ts): k cut points make k + 1 bins.
 */
export function binOf(cuts: readonly number[], x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((cuts[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
