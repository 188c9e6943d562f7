import type { IdReference } from "./model-annotations.ts";

export interface IdCoverage {
  /** Distinct ids in the reference. */
  reference_ids: number;
  /**
   * Distinct ids in the window. From a summary (reports since issue 9) the ids outside the reference are
   * pooled, so they count as one here; the shares below are exact.
   */
  active_ids: number;
  /** Share of the window's rows whose id was seen in the reference. */
  seen_row_share: number;
  /** Share of the reference ids active in the window. */
  active_reference_share: number;
  /** The share expected with no drift: mean over reference ids of 1 − (1 − p_i)^n. */
  expected_active_reference_share: number;
}

/** Coverage of active vs reference ids (the reference's ids and their row counts from `id_reference`). */
export function idCoverage(counts: ReadonlyMap<string, number>, reference: IdReference): IdCoverage {
  const referenceCounts = Object.entries(reference.counts).filter(([, count]) => count > 0);
  const referenceTotal = referenceCounts.reduce((sum, [, count]) => sum + count, 0) || 1;
  let n = 0;
  let seenRows = 0;
  for (const [id, count] of counts) {
    n += count;
    if ((reference.counts[id] ?? 0) > 0) seenRows += count;
  }
  const activeReference = referenceCounts.filter(([id]) => (counts.get(id) ?? 0) > 0).length;
  const expected = referenceCounts.reduce(
    (sum, [, count]) => sum + (1 - (1 - count / referenceTotal) ** n),
    0,
  );
  const ids = referenceCounts.length || 1;
  return {
    reference_ids: referenceCounts.length,
    active_ids: counts.size,
    seen_row_share: n ? seenRows / n : 0,
    active_reference_share: activeReference / ids,
    expected_active_reference_share: expected / ids,
  };
}

/** Reference proportions of the ids, for the category drift of an id feature. */
export function idProportions(reference: IdReference): Record<string, number> {
  const total = Object.values(reference.counts).reduce((sum, count) => sum + count, 0) || 1;
  return Object.fromEntries(Object.entries(reference.counts).map(([id, count]) => [id, count / total]));
}
