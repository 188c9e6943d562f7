/**
 * Multiclass metrics of a window with feedback: each row's class probabilities (in the manifest's class
 * order) against the true class index. Conventions follow scikit-learn 1.6 so the values can be held to it
 * (scripts/training/tests/test_multiclass_metrics.py): macro-F1 averages the classes present in the truth or
 * the predictions; log loss clips to [ε, 1 − ε] with ε the float64 machine epsilon and does not renormalise;
 * reliability bins are sklearn's `calibration_curve(strategy="uniform")` bins.
 */

/** Uniform reliability bins per class (sklearn's calibration_curve default). */
const RELIABILITY_BINS = 10;

const LOG_LOSS_EPS = Number.EPSILON;

interface ReliabilityBin {
  /** The bin is (lower, upper]; the first one also holds 0. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability of the class in the bin. */
  mean_predicted: number;
  /** Share of the bin's rows whose true class is this one. */
  observed: number;
}

export interface ClassMetrics {
  /** Rows whose true class is this one. */
  support: number;
  /** Rows predicted as this class. */
  predicted: number;
  /** 0 when the class is never predicted (sklearn's zero_division=0). */
  precision: number;
  recall: number;
  f1: number;
  /** One-vs-rest Brier score of this class's probability. */
  brier: number;
  /** One-vs-rest expected calibration error: Σ (count/n) · |observed − mean_predicted| over the bins. */
  ece: number;
  /** Non-empty bins only. */
  reliability: ReliabilityBin[];
}

export interface MulticlassMetrics {
  n: number;
  classes: string[];
  accuracy: number;
  macro_f1: number;
  log_loss: number;
  /** Mean over rows of Σ_k (p_k − y_k)², i.e. the sum of the per-class one-vs-rest Brier scores. */
  brier: number;
  /** Mean of the per-class one-vs-rest ECEs. */
  ece_macro: number;
  per_class: Record<string, ClassMetrics>;
}

/** The predicted class index: the first maximal probability, as ONNX ArgMax and numpy argmax. */
export function argmax(probabilities: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < probabilities.length; k++) {
    if ((probabilities[k] as number) > (probabilities[best] as number)) best = k;
  }
  return best;
}

/** sklearn's uniform binning: bin = number of interior edges strictly below p (numpy.searchsorted, side left). */
function binOf(probability: number, bins: number): number {
  let bin = 0;
  while (bin < bins - 1 && (bin + 1) * (1 / bins) < probability) bin++;
  return bin;
}

function reliability(
  probabilities: readonly number[],
  truths: readonly boolean[],
  bins: number,
): { bins: ReliabilityBin[]; ece: number } {
  const counts = new Array<number>(bins).fill(0);
  const sums = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  probabilities.forEach((p, i) => {
    const bin = binOf(p, bins);
    counts[bin] = (counts[bin] as number) + 1;
    sums[bin] = (sums[bin] as number) + p;
    if (truths[i]) hits[bin] = (hits[bin] as number) + 1;
  });
  const result: ReliabilityBin[] = [];
  let ece = 0;
  for (let bin = 0; bin < bins; bin++) {
    const count = counts[bin] as number;
    if (count === 0) continue;
    const entry = {
      lower: bin * (1 / bins),
      upper: bin === bins - 1 ? 1 : (bin + 1) * (1 / bins),
      count,
      mean_predicted: (sums[bin] as number) / count,
      observed: (hits[bin] as number) / count,
    };
    result.push(entry);
    ece += (count / probabilities.length) * Math.abs(entry.observed - entry.mean_predicted);
  }
  return { bins: result, ece };
}

/**
 * Metrics of `probabilities` (one row of C class probabilities per prediction) against `actuals` (true class
 * indices 0..C−1). Rows whose width is not C or whose actual is not a class index are skipped. Null when no
 * row is left.
 */
export function multiclassMetrics(
  probabilities: readonly (readonly number[])[],
  actuals: readonly number[],
  classes: readonly string[],
  bins = RELIABILITY_BINS,
): MulticlassMetrics | null {
  const width = classes.length;
  const rows: { p: readonly number[]; y: number }[] = [];
  const n0 = Math.min(probabilities.length, actuals.length);
  for (let i = 0; i < n0; i++) {
    const p = probabilities[i] as readonly number[];
    const y = actuals[i] as number;
    if (p.length === width && Number.isInteger(y) && y >= 0 && y < width) rows.push({ p, y });
  }
  const n = rows.length;
  if (n === 0) return null;

  const truePositives = new Array<number>(width).fill(0);
  const support = new Array<number>(width).fill(0);
  const predictedCount = new Array<number>(width).fill(0);
  let correct = 0;
  let logLoss = 0;
  for (const { p, y } of rows) {
    const predicted = argmax(p);
    support[y] = (support[y] as number) + 1;
    predictedCount[predicted] = (predictedCount[predicted] as number) + 1;
    if (predicted === y) {
      correct++;
      truePositives[y] = (truePositives[y] as number) + 1;
    }
    logLoss -= Math.log(Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p[y] as number)));
  }

  const perClass: Record<string, ClassMetrics> = {};
  let f1Sum = 0;
  let f1Classes = 0;
  let brierTotal = 0;
  let eceSum = 0;
  classes.forEach((name, k) => {
    const tp = truePositives[k] as number;
    const trueSum = support[k] as number;
    const predSum = predictedCount[k] as number;
    const f1 = trueSum + predSum > 0 ? (2 * tp) / (trueSum + predSum) : 0;
    if (trueSum + predSum > 0) {
      f1Sum += f1;
      f1Classes++;
    }
    const column = rows.map((row) => row.p[k] as number);
    const truths = rows.map((row) => row.y === k);
    let brier = 0;
    column.forEach((p, i) => {
      brier += (p - (truths[i] ? 1 : 0)) ** 2;
    });
    brier /= n;
    const calibration = reliability(column, truths, bins);
    brierTotal += brier;
    eceSum += calibration.ece;
    perClass[name] = {
      support: trueSum,
      predicted: predSum,
      precision: predSum > 0 ? tp / predSum : 0,
      recall: trueSum > 0 ? tp / trueSum : 0,
      f1,
      brier,
      ece: calibration.ece,
      reliability: calibration.bins,
    };
  });

  return {
    n,
    classes: [...classes],
    accuracy: correct / n,
    macro_f1: f1Classes > 0 ? f1Sum / f1Classes : 0,
    log_loss: logLoss / n,
    brier: brierTotal,
    ece_macro: eceSum / width,
    per_class: perClass,
  };
}
