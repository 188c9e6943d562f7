import type {
  BinaryLabelled,
  CategorySummary,
  ColoCounts,
  CoverageCounts,
  FeatureSummary,
  LabelledSummary,
  LatencySketch,
  MulticlassLabelled,
  NumericSummary,
  RegressionLabelled,
  Summary,
} from "./summary.ts";

/**
 * Merging is addition of counts and sums, so it is associative and commutative (up to floating-point
 * rounding of the sums; the counts are integers and add exactly). Neither argument is modified.
 * Parts measured on different references (edges digests), sketches of different accuracy, labelled parts of
 * different tasks, thresholds or classes cannot be added: that throws a SummaryMergeError (within one key
 * it cannot happen: a version's manifest is immutable).
 */
class SummaryMergeError extends Error {
  override name = "SummaryMergeError";
}

const addRecord = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
  const out: Record<string, number> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = (out[key] ?? 0) + value;
  return out;
};

const addArray = (a: readonly number[], b: readonly number[]) => {
  if (a.length !== b.length) throw new SummaryMergeError(`bin counts differ (${a.length} vs ${b.length})`);
  return a.map((value, i) => value + (b[i] as number));
};

const minOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOf = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Merges two optional parts: absent on one side = the other side unchanged. */
function both<T>(a: T | undefined, b: T | undefined, merge: (a: T, b: T) => T): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return merge(a, b);
}

export function mergeSketches(a: LatencySketch, b: LatencySketch): LatencySketch {
  if (a.accuracy !== b.accuracy) throw new SummaryMergeError("latency sketches of different accuracy");
  return {
    accuracy: a.accuracy,
    bins: addRecord(a.bins, b.bins),
    zero: a.zero + b.zero,
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
  };
}

function mergeColos(
  a: Record<string, ColoCounts>,
  b: Record<string, ColoCounts>,
): Record<string, ColoCounts> {
  const out: Record<string, ColoCounts> = { ...a };
  for (const [colo, counts] of Object.entries(b)) {
    const seen = out[colo];
    out[colo] = seen
      ? {
          n: seen.n + counts.n,
          errors: seen.errors + counts.errors,
          requests: seen.requests + counts.requests,
          request_errors: seen.request_errors + counts.request_errors,
        }
      : counts;
  }
  return out;
}

export function mergeNumeric(a: NumericSummary, b: NumericSummary): NumericSummary {
  if (a.edges_digest !== b.edges_digest)
    throw new SummaryMergeError("numeric summaries of different references");
  const ids = both(a.ids, b.ids, (x, y) => ({
    counts: addRecord(x.counts, y.counts),
    unknown: x.unknown + y.unknown,
  }));
  return {
    type: "numeric",
    edges_digest: a.edges_digest,
    n: a.n + b.n,
    counts: addArray(a.counts, b.counts),
    quantile_counts: addArray(a.quantile_counts, b.quantile_counts),
    missing: a.missing + b.missing,
    sum: a.sum + b.sum,
    sum_sq: a.sum_sq + b.sum_sq,
    min: minOf(a.min, b.min),
    max: maxOf(a.max, b.max),
    ...(ids ? { ids } : {}),
  };
}

export function mergeCategory(a: CategorySummary, b: CategorySummary): CategorySummary {
  if (a.edges_digest !== b.edges_digest)
    throw new SummaryMergeError("category summaries of different references");
  return {
    type: "category",
    edges_digest: a.edges_digest,
    n: a.n + b.n,
    counts: addRecord(a.counts, b.counts),
    unknown: a.unknown + b.unknown,
    missing: a.missing + b.missing,
  };
}

function mergeFeature(a: FeatureSummary, b: FeatureSummary): FeatureSummary {
  if (a.type === "numeric" && b.type === "numeric") return mergeNumeric(a, b);
  if (a.type === "category" && b.type === "category") return mergeCategory(a, b);
  throw new SummaryMergeError("a numeric and a category summary of one feature");
}

function mergeFeatures(
  a: Record<string, FeatureSummary>,
  b: Record<string, FeatureSummary>,
): Record<string, FeatureSummary> {
  const out: Record<string, FeatureSummary> = { ...a };
  for (const [name, summary] of Object.entries(b)) {
    const seen = out[name];
    out[name] = seen ? mergeFeature(seen, summary) : summary;
  }
  return out;
}

/**
 * `b`'s sums re-expressed around another shift: with u = y − s_b and d = s_b − s_a, y − s_a = u + d, expanded binomially (exact algebra, n and Σe* unchanged).
 */
export function recentre(b: RegressionLabelled, shift: number): RegressionLabelled {
  const d = b.shift - shift;
  if (d === 0) return b;
  const { n, sum_y: s1, sum_y2: s2, sum_y3: s3, sum_y4: s4, sum_e2: e2, sum_e2_y: e2y, sum_e2_y2: e2y2 } = b;
  return {
    ...b,
    shift,
    sum_y: s1 + n * d,
    sum_y2: s2 + 2 * d * s1 + n * d * d,
    sum_y3: s3 + 3 * d * s2 + 3 * d * d * s1 + n * d ** 3,
    sum_y4: s4 + 4 * d * s3 + 6 * d * d * s2 + 4 * d ** 3 * s1 + n * d ** 4,
    sum_e2_y: e2y + d * e2,
    sum_e2_y2: e2y2 + 2 * d * e2y + d * d * e2,
  };
}

function mergeRegression(a: RegressionLabelled, other: RegressionLabelled): RegressionLabelled {
  const b = recentre(other, a.shift);
  return {
    task: "regression",
    shift: a.shift,
    n: a.n + b.n,
    sum_e: a.sum_e + b.sum_e,
    sum_abs_e: a.sum_abs_e + b.sum_abs_e,
    sum_e2: a.sum_e2 + b.sum_e2,
    sum_e4: a.sum_e4 + b.sum_e4,
    sum_y: a.sum_y + b.sum_y,
    sum_y2: a.sum_y2 + b.sum_y2,
    sum_y3: a.sum_y3 + b.sum_y3,
    sum_y4: a.sum_y4 + b.sum_y4,
    sum_e2_y: a.sum_e2_y + b.sum_e2_y,
    sum_e2_y2: a.sum_e2_y2 + b.sum_e2_y2,
  };
}

function mergeBinary(a: BinaryLabelled, b: BinaryLabelled): BinaryLabelled {
  if (a.threshold !== b.threshold) throw new SummaryMergeError("confusion counts at different thresholds");
  const calibration: Record<string, [number, number, number]> = { ...a.calibration };
  for (const [bin, [rows, sumP, positives]] of Object.entries(b.calibration)) {
    const seen = calibration[bin];
    calibration[bin] = seen ? [seen[0] + rows, seen[1] + sumP, seen[2] + positives] : [rows, sumP, positives];
  }
  return {
    task: "binary_classification",
    n: a.n + b.n,
    positives: a.positives + b.positives,
    correct: a.correct + b.correct,
    brier_sum: a.brier_sum + b.brier_sum,
    log_loss_sum: a.log_loss_sum + b.log_loss_sum,
    threshold: a.threshold,
    confusion: {
      tp: a.confusion.tp + b.confusion.tp,
      fp: a.confusion.fp + b.confusion.fp,
      tn: a.confusion.tn + b.confusion.tn,
      fn: a.confusion.fn + b.confusion.fn,
    },
    scores: {
      positive: addRecord(a.scores.positive, b.scores.positive),
      negative: addRecord(a.scores.negative, b.scores.negative),
    },
    calibration,
  };
}

function mergeMulticlass(a: MulticlassLabelled, b: MulticlassLabelled): MulticlassLabelled {
  if (a.classes.join("\n") !== b.classes.join("\n"))
    throw new SummaryMergeError("multiclass summaries of different classes");
  return {
    task: "multiclass_classification",
    classes: [...a.classes],
    n: a.n + b.n,
    correct: a.correct + b.correct,
    log_loss_sum: a.log_loss_sum + b.log_loss_sum,
    confusion: a.confusion.map((row, i) => addArray(row, b.confusion[i] ?? [])),
    brier_sum: addArray(a.brier_sum, b.brier_sum),
    reliability: a.reliability.map((bins, k) =>
      bins.map((bin, i) => {
        const other = b.reliability[k]?.[i] ?? [0, 0, 0];
        return [bin[0] + other[0], bin[1] + other[1], bin[2] + other[2]] as [number, number, number];
      }),
    ),
  };
}

function mergeCoverage(a: CoverageCounts, b: CoverageCounts): CoverageCounts {
  const out: CoverageCounts = { ...a };
  for (const [level, counts] of Object.entries(b)) {
    const seen = out[level];
    out[level] = seen
      ? { n: addArray(seen.n, counts.n), covered: addArray(seen.covered, counts.covered) }
      : counts;
  }
  return out;
}

export function mergeLabelled(a: LabelledSummary, b: LabelledSummary): LabelledSummary {
  const x = a.performance;
  const y = b.performance;
  let performance: LabelledSummary["performance"];
  if (x.task === "regression" && y.task === "regression") performance = mergeRegression(x, y);
  else if (x.task === "binary_classification" && y.task === "binary_classification")
    performance = mergeBinary(x, y);
  else if (x.task === "multiclass_classification" && y.task === "multiclass_classification")
    performance = mergeMulticlass(x, y);
  else throw new SummaryMergeError(`labelled summaries of tasks ${x.task} and ${y.task}`);
  const coverage = both(a.coverage, b.coverage, mergeCoverage);
  return coverage ? { performance, coverage } : { performance };
}

/** The summary of the records of `a` and `b` together. */
export function mergeSummaries(a: Summary, b: Summary): Summary {
  const merged: Summary = {
    v: a.v,
    n: a.n + b.n,
    errors: a.errors + b.errors,
    requests: a.requests + b.requests,
    request_errors: a.request_errors + b.request_errors,
  };
  const latency = both(a.latency, b.latency, mergeSketches);
  if (latency) merged.latency = latency;
  const colos = both(a.colos, b.colos, mergeColos);
  if (colos) merged.colos = colos;
  const features = both(a.features, b.features, mergeFeatures);
  if (features) merged.features = features;
  const prediction = both(a.prediction, b.prediction, mergeNumeric);
  if (prediction) merged.prediction = prediction;
  const classes = both(a.prediction_classes, b.prediction_classes, mergeCategory);
  if (classes) merged.prediction_classes = classes;
  const unreferenced = (a.unreferenced ?? 0) + (b.unreferenced ?? 0);
  if (unreferenced > 0) merged.unreferenced = unreferenced;
  const labelled = both(a.labelled, b.labelled, mergeLabelled);
  if (labelled) merged.labelled = labelled;
  return merged;
}

/** All summaries merged (null for none). */
export function mergeAll(summaries: Iterable<Summary>): Summary | null {
  let merged: Summary | null = null;
  for (const summary of summaries) merged = merged ? mergeSummaries(merged, summary) : summary;
  return merged;
}
