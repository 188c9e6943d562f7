import type { Manifest } from "../../contracts/manifest.ts";
import { decisionThreshold } from "../../tasks/binary-classification.ts";
import { argmax } from "../../tasks/metrics/multiclass-metrics.ts";
import { intervalGroup } from "../../tasks/regression.ts";
import {
  type BinaryLabelled,
  CALIBRATION_BINS,
  type CoverageCounts,
  type LabelledSummary,
  type MulticlassLabelled,
  type RegressionLabelled,
  SCORE_BINS,
} from "./summary.ts";

/** What a label needs of its prediction (a sealed id carries these; a sampled row has them too). */
interface LabelledFacts {
  /** The logged output: regression value (clipped), positive-class probability, predicted class's probability. */
  output: number;
  /** Multiclass: every class probability in the manifest's class order. */
  probabilities?: readonly number[] | null;
  /** Regression: the served interval (coverage counts), when one was answered. */
  interval?: { level: number; lower: number; upper: number } | null;
}

/** Binary log loss clips p to [ε, 1 − ε] as classification-metrics.ts; multiclass uses the float64 epsilon. */
const BINARY_LOG_LOSS_EPS = 1e-15;
const MULTICLASS_LOG_LOSS_EPS = Number.EPSILON;
/** Multiclass reliability bins (multiclass-metrics.ts RELIABILITY_BINS). */
const RELIABILITY_BINS = 10;
/** Tolerance for a label on a (float-stored) interval bound, as interval-coverage.ts. */
const EDGE = 1e-6;

const clampBin = (value: number, bins: number) => Math.min(bins - 1, Math.max(0, Math.floor(value * bins)));

/** sklearn's uniform binning (multiclass-metrics.ts): the number of interior edges strictly below p. */
function reliabilityBin(p: number): number {
  let bin = 0;
  while (bin < RELIABILITY_BINS - 1 && (bin + 1) * (1 / RELIABILITY_BINS) < p) bin++;
  return bin;
}

function regression(manifest: Manifest, output: number, actual: number, w: number): RegressionLabelled {
  const shift = manifest.reference.prediction.mean;
  const e = output - actual;
  const y = actual - shift;
  const e2 = e * e;
  return {
    task: "regression",
    shift,
    n: w,
    sum_e: w * e,
    sum_abs_e: w * Math.abs(e),
    sum_e2: w * e2,
    sum_e4: w * e2 * e2,
    sum_y: w * y,
    sum_y2: w * y * y,
    sum_y3: w * y * y * y,
    sum_y4: w * y * y * y * y,
    sum_e2_y: w * e2 * y,
    sum_e2_y2: w * e2 * y * y,
  };
}

function coverage(
  manifest: Manifest,
  facts: LabelledFacts,
  actual: number,
  w: number,
): CoverageCounts | undefined {
  const interval = facts.interval;
  const groups = manifest.intervals?.groups;
  if (!interval || !manifest.intervals || manifest.task !== "regression") return undefined;
  const slots = groups ? groups.edges.length + 2 : 1;
  const n = new Array<number>(slots).fill(0);
  const covered = new Array<number>(slots).fill(0);
  const hit = actual >= interval.lower - EDGE && actual <= interval.upper + EDGE ? w : 0;
  for (const slot of groups ? [0, 1 + intervalGroup(groups, facts.output)] : [0]) {
    n[slot] = w;
    covered[slot] = hit;
  }
  return { [String(interval.level)]: { n, covered } };
}

function binary(manifest: Manifest, p: number, y: number, w: number): BinaryLabelled {
  const threshold = decisionThreshold(manifest);
  const predicted = p >= threshold ? 1 : 0;
  const clipped = Math.min(1 - BINARY_LOG_LOSS_EPS, Math.max(BINARY_LOG_LOSS_EPS, p));
  const score = String(clampBin(p, SCORE_BINS));
  const calibration = String(clampBin(p, CALIBRATION_BINS));
  return {
    task: "binary_classification",
    n: w,
    positives: w * y,
    correct: predicted === y ? w : 0,
    brier_sum: w * (p - y) ** 2,
    log_loss_sum: -w * (y * Math.log(clipped) + (1 - y) * Math.log(1 - clipped)),
    threshold,
    confusion: {
      tp: predicted === 1 && y === 1 ? w : 0,
      fp: predicted === 1 && y === 0 ? w : 0,
      tn: predicted === 0 && y === 0 ? w : 0,
      fn: predicted === 0 && y === 1 ? w : 0,
    },
    scores: y === 1 ? { positive: { [score]: w }, negative: {} } : { positive: {}, negative: { [score]: w } },
    calibration: { [calibration]: [w, w * p, w * y] },
  };
}

function multiclass(
  classes: readonly string[],
  probabilities: readonly number[],
  y: number,
  w: number,
): MulticlassLabelled {
  const width = classes.length;
  const predicted = argmax(probabilities);
  const confusion = classes.map(() => new Array<number>(width).fill(0));
  (confusion[y] as number[])[predicted] = w;
  const py = probabilities[y] as number;
  return {
    task: "multiclass_classification",
    classes: [...classes],
    n: w,
    correct: predicted === y ? w : 0,
    log_loss_sum: -w * Math.log(Math.min(1 - MULTICLASS_LOG_LOSS_EPS, Math.max(MULTICLASS_LOG_LOSS_EPS, py))),
    confusion,
    brier_sum: probabilities.map((p, k) => w * (p - (k === y ? 1 : 0)) ** 2),
    reliability: probabilities.map((p, k) => {
      const bins = Array.from({ length: RELIABILITY_BINS }, (): [number, number, number] => [0, 0, 0]);
      bins[reliabilityBin(p)] = [w, w * p, k === y ? w : 0];
      return bins;
    }),
  };
}

/**
 * The labelled delta of one prediction and its actual, already normalised by the task's `normaliseActual`
 * (regression: the number; binary: 1/0; multiclass: the class index). `weight` −1 subtracts an earlier label
 * that this one replaces (the sums are linear in the rows, so the result is exact). Null when the facts do
 * not fit the task (a non-finite output, a binary actual not 0/1, multiclass without probabilities of the
 * manifest's width or an actual that is not a class index).
 */
export function labelledDelta(
  manifest: Manifest,
  facts: LabelledFacts,
  actual: number,
  weight: 1 | -1 = 1,
): LabelledSummary | null {
  if (!Number.isFinite(facts.output) || !Number.isFinite(actual)) return null;
  if (manifest.task === "regression") {
    const counts = coverage(manifest, facts, actual, weight);
    const performance = regression(manifest, facts.output, actual, weight);
    return counts ? { performance, coverage: counts } : { performance };
  }
  if (manifest.task === "binary_classification") {
    if (actual !== 0 && actual !== 1) return null;
    return { performance: binary(manifest, facts.output, actual, weight) };
  }
  const classes = manifest.output.classes ?? [];
  const probabilities = facts.probabilities;
  if (!probabilities || probabilities.length !== classes.length) return null;
  if (!Number.isInteger(actual) || actual < 0 || actual >= classes.length) return null;
  return { performance: multiclass(classes, probabilities, actual, weight) };
}
