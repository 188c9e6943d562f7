/**
 * Performance metrics of a window from its labelled sufficient statistics (monitoring/summary/summary.ts),
 * not its rows: every figure the raw-row task metrics give (worker/tasks/metrics/*), exactly (the sums are
 * linear in the rows, so only floating-point rounding differs), except the binary AUC, which is read from
 * 0.01-wide score histograms and states its bound.
 */
import type { ClassificationMetrics } from "../../tasks/metrics/classification-metrics.ts";
import type { ClassMetrics, MulticlassMetrics } from "../../tasks/metrics/multiclass-metrics.ts";
import { type Bounds, r2BoundsFromMoments, rmseBounds } from "../../tasks/metrics/regression-bounds.ts";
import type { RegressionMetrics } from "../../tasks/metrics/regression-metrics.ts";
import type { BinaryLabelled, MulticlassLabelled, RegressionLabelled } from "../summary/summary.ts";

interface RegressionSummaryMetrics extends RegressionMetrics {
  rmse_bounds: Bounds | null;
  r2_bounds: Bounds | null;
}

/** The moments of a = e² and b = (y − ȳ)² that the R² bounds read (regression-bounds.ts), from power sums. */
function regressionMoments(sums: RegressionLabelled) {
  const { n } = sums;
  const mean = sums.sum_y / n;
  const sst = Math.max(0, sums.sum_y2 - sums.sum_y * mean);
  const sumB2 = sums.sum_y4 - 4 * mean * sums.sum_y3 + 6 * mean ** 2 * sums.sum_y2 - 3 * n * mean ** 4;
  const sumAB = sums.sum_e2_y2 - 2 * mean * sums.sum_e2_y + mean ** 2 * sums.sum_e2;
  const meanA = sums.sum_e2 / n;
  const meanB = sst / n;
  return {
    sst,
    meanA,
    meanB,
    varA: n > 1 ? Math.max(0, sums.sum_e4 - n * meanA ** 2) / (n - 1) : 0,
    varB: n > 1 ? Math.max(0, sumB2 - n * meanB ** 2) / (n - 1) : 0,
    cov: n > 1 ? (sumAB - n * meanA * meanB) / (n - 1) : 0,
  };
}

/** MAE/MSE/RMSE/R² and the issue-12 bounds of RMSE and R² from the sums (regression.ts computes them from rows). */
export function regressionFromSums(sums: RegressionLabelled): RegressionSummaryMetrics | null {
  const { n } = sums;
  if (n <= 0) return null;
  const moments = regressionMoments(sums);
  const mse = sums.sum_e2 / n;
  return {
    n,
    mae: sums.sum_abs_e / n,
    mse,
    rmse: Math.sqrt(mse),
    r2: moments.sst > 0 ? 1 - sums.sum_e2 / moments.sst : null,
    rmse_bounds: rmseBounds(n, mse),
    r2_bounds: r2BoundsFromMoments(n, moments.meanA, moments.meanB, moments.varA, moments.varB, moments.cov),
  };
}

/** The binned AUC: how far it may be from the exact (Mann–Whitney) AUC of the same rows. */
interface AucBinning {
  /** Score bins (width 0.01). */
  bins: number;
  /** |binned − exact| ≤ this: pairs of a positive and a negative in one bin count ½ (Σ_b pos_b·neg_b / 2PN). */
  max_error: number;
}

type ClassificationSummaryMetrics = ClassificationMetrics & {
  confusion: { threshold: number; tp: number; fp: number; tn: number; fn: number };
  auc_binning: AucBinning | null;
};

/**
 * AUC as the Mann–Whitney statistic of binned scores: a positive beats every negative of a lower bin and ties
 * (½) those of its own. The exact AUC differs only by pairs within a bin, each off by at most ½.
 */
function binnedAuc(
  positive: Readonly<Record<string, number>>,
  negative: Readonly<Record<string, number>>,
): { auc: number | null; max_error: number } {
  const bins = [...new Set([...Object.keys(positive), ...Object.keys(negative)])]
    .map(Number)
    .sort((a, b) => a - b);
  let positives = 0;
  let negatives = 0;
  for (const bin of bins) {
    positives += positive[bin] ?? 0;
    negatives += negative[bin] ?? 0;
  }
  if (positives === 0 || negatives === 0) return { auc: null, max_error: 0 };
  let below = 0;
  let wins = 0;
  let tied = 0;
  for (const bin of bins) {
    const pos = positive[bin] ?? 0;
    const neg = negative[bin] ?? 0;
    wins += pos * (below + neg / 2);
    tied += pos * neg;
    below += neg;
  }
  const pairs = positives * negatives;
  return { auc: wins / pairs, max_error: tied / (2 * pairs) };
}

export function binaryFromSums(sums: BinaryLabelled, scoreBins: number): ClassificationSummaryMetrics | null {
  const { n } = sums;
  if (n <= 0) return null;
  const auc = binnedAuc(sums.scores.positive, sums.scores.negative);
  return {
    n,
    positives: sums.positives,
    auc: auc.auc,
    accuracy: sums.correct / n,
    brier: sums.brier_sum / n,
    log_loss: sums.log_loss_sum / n,
    confusion: { threshold: sums.threshold, ...sums.confusion },
    auc_binning: auc.auc === null ? null : { bins: scoreBins, max_error: auc.max_error },
  };
}

const RELIABILITY_BINS = 10;

/** Multiclass metrics (multiclass-metrics.ts's conventions) from the confusion, Brier, log-loss and reliability sums. */
export function multiclassFromSums(sums: MulticlassLabelled): MulticlassMetrics | null {
  const { n, classes } = sums;
  if (n <= 0) return null;
  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  let f1Classes = 0;
  let eceSum = 0;
  let brierTotal = 0;
  classes.forEach((name, k) => {
    const tp = sums.confusion[k]?.[k] ?? 0;
    const support = (sums.confusion[k] ?? []).reduce((total, count) => total + count, 0);
    const predicted = sums.confusion.reduce((total, row) => total + (row[k] ?? 0), 0);
    const f1 = support + predicted > 0 ? (2 * tp) / (support + predicted) : 0;
    if (support + predicted > 0) {
      f1Sum += f1;
      f1Classes++;
    }
    const reliability = [];
    let ece = 0;
    for (let bin = 0; bin < RELIABILITY_BINS; bin++) {
      const [count = 0, sumP = 0, hits = 0] = sums.reliability[k]?.[bin] ?? [];
      if (count === 0) continue;
      const entry = {
        lower: bin * (1 / RELIABILITY_BINS),
        upper: bin === RELIABILITY_BINS - 1 ? 1 : (bin + 1) * (1 / RELIABILITY_BINS),
        count,
        mean_predicted: sumP / count,
        observed: hits / count,
      };
      reliability.push(entry);
      ece += (count / n) * Math.abs(entry.observed - entry.mean_predicted);
    }
    const brier = (sums.brier_sum[k] ?? 0) / n;
    brierTotal += brier;
    eceSum += ece;
    perClass[name] = {
      support,
      predicted,
      precision: predicted > 0 ? tp / predicted : 0,
      recall: support > 0 ? tp / support : 0,
      f1,
      brier,
      ece,
      reliability,
    };
  });
  return {
    n,
    classes: [...classes],
    accuracy: sums.correct / n,
    macro_f1: f1Classes > 0 ? f1Sum / f1Classes : 0,
    log_loss: sums.log_loss_sum / n,
    brier: brierTotal,
    ece_macro: eceSum / classes.length,
    per_class: perClass,
  };
}
