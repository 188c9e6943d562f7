export interface ClassificationMetrics {
  n: number;
  positives: number;
  /** Null when only one class is present (AUC undefined). */
  auc: number | null;
  accuracy: number;
  brier: number;
  log_loss: number;
}

/** Probabilities are clipped to [ε, 1 − ε] for log loss, as scikit-learn does. */
const LOG_LOSS_EPS = 1e-15;

/** ROC AUC as the Mann–Whitney U statistic with average ranks for ties. */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number | null {
  const order = scores.map((score, index) => ({ score, label: labels[index] as number }));
  order.sort((a, b) => a.score - b.score);
  const positives = order.filter((entry) => entry.label === 1).length;
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  let rankSum = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]?.score === order[i]?.score) j++;
    const averageRank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) if (order[k]?.label === 1) rankSum += averageRank;
    i = j + 1;
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export function classificationMetrics(
  probabilities: readonly number[],
  labels: readonly number[],
  threshold: number,
): ClassificationMetrics | null {
  const n = Math.min(probabilities.length, labels.length);
  if (n === 0) return null;
  let correct = 0;
  let brier = 0;
  let logLoss = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    const p = probabilities[i] as number;
    const y = labels[i] as number;
    positives += y;
    if ((p >= threshold ? 1 : 0) === y) correct++;
    brier += (p - y) ** 2;
    const clipped = Math.min(1 - LOG_LOSS_EPS, Math.max(LOG_LOSS_EPS, p));
    logLoss -= y * Math.log(clipped) + (1 - y) * Math.log(1 - clipped);
  }
  return {
    n,
    positives,
    auc: rocAuc(probabilities.slice(0, n), labels.slice(0, n)),
    accuracy: correct / n,
    brier: brier / n,
    log_loss: logLoss / n,
  };
}
