/**
 * Empty bins would make PSI infinite; like Evidently we floor every proportion at this epsilon
 * (a bin with no observations contributes a finite, still large, term).
 */
const PSI_EPSILON = 1e-4;

/** Bin index of `x` for ascending interior cut points: #{edges <= x} (numpy searchsorted side="right"). */
function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function binProportions(edges: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const value of values) counts[binIndex(edges, value)] = (counts[binIndex(edges, value)] ?? 0) + 1;
  return counts.map((count) => (values.length ? count / values.length : 0));
}

/** Population stability index Σ (a − e)·ln(a / e) over matching bins. */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  if (expected.length !== actual.length) throw new RangeError("psi: bin counts differ");
  let total = 0;
  expected.forEach((e, index) => {
    const ef = Math.max(e, PSI_EPSILON);
    const af = Math.max(actual[index] ?? 0, PSI_EPSILON);
    total += (af - ef) * Math.log(af / ef);
  });
  return total;
}
