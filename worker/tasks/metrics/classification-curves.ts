/**
 * The curves the dashboard draws from labelled predictions. The scalar metrics (AUC, accuracy, RMSE, …)
 * come from ./classification-metrics.ts; these are the points behind them, bounded in size.
 */

/** At most this many points per ROC curve (thresholds are thinned evenly beyond it). */
export const MAX_ROC_POINTS = 101;
const CALIBRATION_BINS = 10;

interface RocPoint {
  threshold: number;
  fpr: number;
  tpr: number;
}

/** The ROC curve: one point per distinct score (descending), from (0, 0) to (1, 1). */
export function rocCurve(scores: readonly number[], labels: readonly number[]): RocPoint[] {
  const order = scores.map((score, i) => ({ score, label: labels[i] === 1 ? 1 : 0 }));
  order.sort((a, b) => b.score - a.score);
  const positives = order.reduce((sum, entry) => sum + entry.label, 0);
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return [];
  const points: RocPoint[] = [{ threshold: Number.POSITIVE_INFINITY, fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < order.length; i++) {
    const entry = order[i] as { score: number; label: number };
    if (entry.label === 1) tp++;
    else fp++;
    if (i + 1 < order.length && order[i + 1]?.score === entry.score) continue;
    points.push({ threshold: entry.score, fpr: fp / negatives, tpr: tp / positives });
  }
  return thin(points, MAX_ROC_POINTS).map((point) => ({
    ...point,
    threshold: Number.isFinite(point.threshold) ? point.threshold : 1,
  }));
}

interface CalibrationBin {
  /** Lower edge of the probability bin (width 1/CALIBRATION_BINS). */
  lower: number;
  n: number;
  mean_predicted: number;
  fraction_positive: number;
}

/** Reliability diagram: equal-width probability bins, each with its mean prediction and observed rate. */
export function calibrationBins(scores: readonly number[], labels: readonly number[]): CalibrationBin[] {
  const bins = Array.from({ length: CALIBRATION_BINS }, () => ({ n: 0, predicted: 0, positive: 0 }));
  scores.forEach((score, i) => {
    const index = Math.min(CALIBRATION_BINS - 1, Math.max(0, Math.floor(score * CALIBRATION_BINS)));
    const bin = bins[index] as { n: number; predicted: number; positive: number };
    bin.n++;
    bin.predicted += score;
    bin.positive += labels[i] === 1 ? 1 : 0;
  });
  return bins.flatMap((bin, index) =>
    bin.n === 0
      ? []
      : [
          {
            lower: index / CALIBRATION_BINS,
            n: bin.n,
            mean_predicted: bin.predicted / bin.n,
            fraction_positive: bin.positive / bin.n,
          },
        ],
  );
}

interface Confusion {
  threshold: number;
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** The confusion matrix of `score ≥ threshold` against the labels. */
export function confusionAt(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
): Confusion {
  const matrix = { threshold, tp: 0, fp: 0, tn: 0, fn: 0 };
  scores.forEach((score, i) => {
    const predicted = score >= threshold;
    const actual = labels[i] === 1;
    if (predicted && actual) matrix.tp++;
    else if (predicted) matrix.fp++;
    else if (actual) matrix.fn++;
    else matrix.tn++;
  });
  return matrix;
}

/** At most `limit` items, evenly spaced, always keeping the first and the last. */
export function thin<T>(items: readonly T[], limit: number): T[] {
  if (items.length <= limit) return [...items];
  const step = (items.length - 1) / (limit - 1);
  return Array.from({ length: limit }, (_, i) => items[Math.round(i * step)] as T);
}
