/**
 * Confidence bounds for a window's ROC AUC from the Hanley–McNeil (1982) standard error, which needs only
 * the AUC and the class counts: SE² = [A(1 − A) + (P − 1)(Q1 − A²) + (N − 1)(Q2 − A²)] / (P·N) with
 * Q1 = A/(2 − A), Q2 = 2A²/(1 + A). Each side is a one-sided normal bound at `confidence`, clipped to [0, 1].
 * Null when a class has fewer than MIN_PER_CLASS rows.
 */
import type { Bounds } from "./regression-bounds.ts";

const MIN_PER_CLASS = 5;
/** z of the one-sided 95 % bound. */
const Z_95 = 1.6448536269514722;

export function aucBounds(auc: number | null, positives: number, negatives: number): Bounds | null {
  if (auc === null || positives < MIN_PER_CLASS || negatives < MIN_PER_CLASS) return null;
  const q1 = auc / (2 - auc);
  const q2 = (2 * auc * auc) / (1 + auc);
  const variance =
    (auc * (1 - auc) + (positives - 1) * (q1 - auc * auc) + (negatives - 1) * (q2 - auc * auc)) /
    (positives * negatives);
  const spread = Z_95 * Math.sqrt(Math.max(0, variance));
  const round = (value: number) => Number(value.toPrecision(6));
  return {
    lower: round(Math.max(0, auc - spread)),
    upper: round(Math.min(1, auc + spread)),
    confidence: 0.95,
  };
}
