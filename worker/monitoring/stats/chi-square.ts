import { gammaQ } from "../../tasks/metrics/special-functions.ts";

interface ChiSquareResult {
  statistic: number;
  p_value: number;
  df: number;
  /** The buckets compared: the reference categories, plus `__unseen__` when the window has new values. */
  buckets: { value: string; expected: number; observed: number }[];
}

export const UNSEEN_BUCKET = "__unseen__";

/**
 * Chi-square goodness of fit of observed category counts against reference proportions. Categories
 * absent from the reference share one extra bucket whose expected proportion is 0.5/referenceRows (the
 * add-half rule: "seen less than once in the reference"), so a new value raises the statistic without
 * making it infinite; the expected proportions are renormalised to sum to 1.
 */
export function chiSquareAgainstReference(
  counts: ReadonlyMap<string, number>,
  proportions: Readonly<Record<string, number>>,
  referenceRows: number,
): ChiSquareResult {
  const floor = 0.5 / Math.max(referenceRows, 1);
  const categories = Object.keys(proportions).sort();
  let unseen = 0;
  let n = 0;
  for (const [value, count] of counts) {
    n += count;
    if (!(value in proportions)) unseen += count;
  }
  const raw = categories.map((value) => ({
    value,
    p: Math.max(proportions[value] ?? 0, floor),
    observed: counts.get(value) ?? 0,
  }));
  if (unseen > 0) raw.push({ value: UNSEEN_BUCKET, p: floor, observed: unseen });
  const total = raw.reduce((sum, bucket) => sum + bucket.p, 0);
  const buckets = raw.map((bucket) => ({
    value: bucket.value,
    expected: (bucket.p / total) * n,
    observed: bucket.observed,
  }));
  if (n === 0 || buckets.length < 2) return { statistic: 0, p_value: 1, df: 0, buckets };
  const statistic = buckets.reduce(
    (sum, bucket) => sum + (bucket.observed - bucket.expected) ** 2 / bucket.expected,
    0,
  );
  const df = buckets.length - 1;
  return { statistic, p_value: gammaQ(df / 2, statistic / 2), df, buckets };
}
