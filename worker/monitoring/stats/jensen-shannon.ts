/**
 * Jensen–Shannon distance √((KL(p‖m) + KL(q‖m)) / 2), m = (p + q)/2, natural logarithm (scipy's default base,
 * so its range is [0, √ln 2 ≈ 0.833]). Both vectors are normalised to sum to 1; zero entries are allowed
 * (0·ln 0 = 0), so no floor is needed.
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError("jensenShannonDistance: lengths differ");
  const pTotal = p.reduce((sum, x) => sum + x, 0);
  const qTotal = q.reduce((sum, x) => sum + x, 0);
  if (pTotal <= 0 || qTotal <= 0) return 0;
  let divergence = 0;
  p.forEach((raw, index) => {
    const a = raw / pTotal;
    const b = (q[index] ?? 0) / qTotal;
    const m = (a + b) / 2;
    if (a > 0) divergence += a * Math.log(a / m);
    if (b > 0) divergence += b * Math.log(b / m);
  });
  return Math.sqrt(Math.max(0, divergence / 2));
}

/**
 * Reference and current category proportions over the union of their categories (sorted), a category the
 * reference never saw counting 0 there.
 */
export function alignedCategoryProportions(
  counts: ReadonlyMap<string, number>,
  reference: Readonly<Record<string, number>>,
): { categories: string[]; reference: number[]; current: number[] } {
  const categories = [...new Set([...Object.keys(reference), ...counts.keys()])].sort();
  let n = 0;
  for (const count of counts.values()) n += count;
  return {
    categories,
    reference: categories.map((category) => reference[category] ?? 0),
    current: categories.map((category) => (n ? (counts.get(category) ?? 0) / n : 0)),
  };
}
