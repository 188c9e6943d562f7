import type { BinaryLabelled } from "../monitoring/summary/summary.ts";
import { CALIBRATION_BINS, SCORE_BINS } from "../monitoring/summary/summary.ts";
import { MAX_ROC_POINTS, thin } from "../tasks/metrics/classification-curves.ts";

/**
 * The binary panel's drawings from the labelled sums of a window (no rows): the ROC at every score-bin
 * edge (exact at those thresholds: a bin's rows are all above or all below its lower edge), the reliability
 * bins (exact: their rows, Σp and positives are counted) and the confusion at the manifest threshold (exact:
 * counted at fold time).
 */
export function binaryCurves(sums: BinaryLabelled) {
  const positives = sums.positives;
  const negatives = sums.n - sums.positives;
  const roc: { threshold: number; fpr: number; tpr: number }[] = [];
  if (positives > 0 && negatives > 0) {
    roc.push({ threshold: 1, fpr: 0, tpr: 0 });
    let tp = 0;
    let fp = 0;
    for (let bin = SCORE_BINS - 1; bin >= 0; bin -= 1) {
      const pos = sums.scores.positive[String(bin)] ?? 0;
      const neg = sums.scores.negative[String(bin)] ?? 0;
      if (pos === 0 && neg === 0) continue;
      tp += pos;
      fp += neg;
      roc.push({ threshold: bin / SCORE_BINS, fpr: fp / negatives, tpr: tp / positives });
    }
  }
  const calibration = Array.from({ length: CALIBRATION_BINS }, (_, bin) => sums.calibration[String(bin)])
    .map((entry, bin) => ({ entry, bin }))
    .flatMap(({ entry, bin }) =>
      entry && entry[0] > 0
        ? [
            {
              lower: bin / CALIBRATION_BINS,
              n: entry[0],
              mean_predicted: entry[1] / entry[0],
              fraction_positive: entry[2] / entry[0],
            },
          ]
        : [],
    );
  return {
    roc: thin(roc, MAX_ROC_POINTS),
    calibration,
    confusion: { threshold: sums.threshold, ...sums.confusion },
  };
}
