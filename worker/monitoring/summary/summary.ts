/**
 * Monitoring summaries (issue 9): mergeable counts and sums of the logged records of one key, so a report over
 * a window costs one merge per bucket instead of one read per row. Every field is a count or a sum that adds
 * under `mergeSummaries` (worker/monitoring/summary/merge.ts); a part absent from a summary means "nothing of
 * it seen" and merges as zero. Version 1; a reader rejects another `v`.
 *
 * Row vs request: `n`/`errors` count logged rows (a batch request logs one row per scored instance). The
 * request figures (`requests`, `request_errors`, `latency`) count distinct request ids per key among the
 * records folded together (one queue batch): a request's rows are logged in one message, so in practice each
 * request is counted once, as the raw-row report did (worker/monitoring/ops-metrics.ts byRequest).
 */
import type { LogRoute } from "../../vocabulary/index.ts";

export const SUMMARY_VERSION = 1;
/** Fine buckets: what the consumer writes and the 24 h report reads. */
export const FINE_BUCKET_MS = 300_000;
/** Coarse buckets: fine buckets older than COMPACT_AFTER_MS are merged into these by the cron. */
export const COARSE_BUCKET_MS = 3_600_000;
/** Fine buckets are kept this long (the 24 h report window plus margin), then merged into coarse ones. */
export const COMPACT_AFTER_MS = 26 * 3_600_000;

/** What one summary row is about. `bucket_start` is a multiple of `bucket_ms` (UTC epoch ms). */
export interface SummaryKey {
  model: string;
  version: string;
  /** The LogRoute of the records: "shadow" and "recommend" rows are their own keys, apart from served routes. */
  route: LogRoute;
  bucket_start: number;
  /** FINE_BUCKET_MS or COARSE_BUCKET_MS. */
  bucket_ms: number;
}

/**
 * A DDSketch (@datadog/sketches-js, logarithmic mapping, relative accuracy `accuracy`) as its store bins, so
 * two sketches merge by adding counts of the same key (exact: no re-binning). Latencies are ≥ 0: values
 * below the sketch's smallest indexable value count in `zero`.
 */
export interface LatencySketch {
  /** Relative accuracy of the mapping (0.01): a quantile is within ±1 % of a value of the data. */
  accuracy: number;
  /** Mapping key (DDSketch index of γ-spaced bins) → count of values in that bin; only non-empty keys. */
  bins: Record<string, number>;
  /** Values too close to 0 to be indexed (latency 0 ms). */
  zero: number;
  /** Values accepted (Σ bins + zero). */
  count: number;
  /** Exact sum of the values (mean latency = sum / count). */
  sum: number;
  /** Exact extremes (null when count is 0). */
  min: number | null;
  max: number | null;
}

/** Per Cloudflare colo (records without a colo are not counted here; the totals count them). */
export interface ColoCounts {
  /** Logged rows from this colo. */
  n: number;
  /** Rows with status "error". */
  errors: number;
  /** Distinct request ids (see the module comment). */
  requests: number;
  /** Requests with at least one error row. */
  request_errors: number;
}

/**
 * A numeric value's distribution on the version manifest's reference: counts over its PSI bins and over its
 * 101 reference quantiles (both binned as the drift code does: bin = #edges ≤ x, numpy searchsorted "right").
 */
export interface NumericSummary {
  type: "numeric";
  /** Digest of the bin edges and quantiles used (summary/edges-digest.ts): merge only equal digests. */
  edges_digest: string;
  /** Finite numeric values counted (= Σ counts = Σ quantile_counts). */
  n: number;
  /** Length edges.length + 1 (reference.bins.edges). */
  counts: number[];
  /** Length 102: bins between the 101 reference quantiles (for KS / Wasserstein with a stated bound). */
  quantile_counts: number[];
  /** Rows whose value was absent, null, non-numeric or not finite. */
  missing: number;
  /** Σ x and Σ x² of the counted values (mean and σ). */
  sum: number;
  sum_sq: number;
  min: number | null;
  max: number | null;
  /**
   * Identifier features (manifest `training.id_reference`): count per reference id (String(value)), and
   * the rows whose id is not in the reference. Bounded by the id_reference size.
   */
  ids?: { counts: Record<string, number>; unknown: number };
}

/** A category value's counts over the reference categories; other values pooled in `unknown`. */
export interface CategorySummary {
  type: "category";
  /** Digest of the sorted reference categories (and id references when present). */
  edges_digest: string;
  /** Values counted (= Σ counts + unknown). */
  n: number;
  /** Reference category → rows with it; only non-zero entries. */
  counts: Record<string, number>;
  /** Rows with a value not among the reference categories (or ids). */
  unknown: number;
  /** Rows whose value was absent, null or not a string/number. */
  missing: number;
}

export type FeatureSummary = NumericSummary | CategorySummary;

/**
 * Regression sufficient statistics, e = output − actual (the clipped logged output, as the task computes) and
 * y = actual − shift, with `shift` a per-version constant (the serving manifest's reference.prediction.mean)
 * so power sums of large targets (prices ~1e5) do not cancel; merge re-centres exactly when shifts differ.
 * Exact figures from sums (B5 computes; all from these sums alone, ȳ below is the mean of shifted y):
 * - MAE = sum_abs_e/n, MSE = sum_e2/n, R² = 1 − sum_e2 / SST, SST = sum_y2 − sum_y²/n.
 * - RMSE bound: n and MSE. R² bound (regression-bounds.ts, a = e², b = (y − ȳ)²):
 *   Σa = sum_e2, Σa² = sum_e4; Σb = SST; Σb² = Σ(y−ȳ)⁴ = sum_y4 − 4ȳ·sum_y3 + 6ȳ²·sum_y2 − 3nȳ⁴;
 *   Σab = sum_e2_y2 − 2ȳ·sum_e2_y + ȳ²·sum_e2. Var/Cov with n − 1 as the code does.
 * - A/B (Welch on e²): mean sum_e2/n, variance (sum_e4 − sum_e2²/n)/(n − 1).
 */
export interface RegressionLabelled {
  task: "regression";
  shift: number;
  n: number;
  sum_e: number;
  sum_abs_e: number;
  sum_e2: number;
  sum_e4: number;
  sum_y: number;
  sum_y2: number;
  sum_y3: number;
  sum_y4: number;
  sum_e2_y: number;
  sum_e2_y2: number;
}

/** Score bins of binary classification: bin = min(SCORE_BINS − 1, floor(p · SCORE_BINS)), width 0.01. */
export const SCORE_BINS = 100;
/** Calibration (reliability) bins of the dashboard: floor(p · 10), as classification-curves.ts. */
export const CALIBRATION_BINS = 10;

/**
 * Binary classification, actual y ∈ {0, 1}, p = the logged positive-class probability:
 * - n, positives; accuracy = correct/n; Brier = brier_sum/n; log loss = log_loss_sum/n (p clipped to
 *   [1e-15, 1 − 1e-15] as classification-metrics.ts).
 * - confusion at the manifest threshold (p ≥ threshold predicts 1); `threshold` records it.
 * - AUC / ROC from `scores`: per score bin, the rows of each true label (ties inside a bin bound the AUC
 *   error by Σ_b pos_b·neg_b / (2·P·N)).
 * - calibration: per CALIBRATION_BINS bin, rows, Σp and positives (mean predicted / fraction positive exact).
 */
export interface BinaryLabelled {
  task: "binary_classification";
  n: number;
  positives: number;
  correct: number;
  brier_sum: number;
  log_loss_sum: number;
  threshold: number;
  confusion: { tp: number; fp: number; tn: number; fn: number };
  /** bin index → rows, per true label; only non-zero bins. */
  scores: { positive: Record<string, number>; negative: Record<string, number> };
  /** bin index → [rows, Σp, positives]; only non-empty bins. */
  calibration: Record<string, [number, number, number]>;
}

/**
 * Multiclass, actual = class index k, p = the logged probabilities in the manifest's class order:
 * - n, correct (argmax = actual); log_loss_sum = Σ −ln clip(p[actual], ε) with ε = Number.EPSILON.
 * - confusion[true][predicted] (support, predicted counts, precision/recall/F1, macro-F1 exact).
 * - brier_sum[k] = Σ (p_k − [actual = k])² (one-vs-rest Brier per class; total = Σ_k).
 * - reliability[k][bin] = [rows, Σp_k, rows with actual = k] over sklearn's 10 uniform bins
 *   (bin = #interior edges strictly below p), so per-class ECE and reliability are exact.
 */
export interface MulticlassLabelled {
  task: "multiclass_classification";
  classes: string[];
  n: number;
  correct: number;
  log_loss_sum: number;
  confusion: number[][];
  brier_sum: number[];
  reliability: [number, number, number][][];
}

/**
 * Interval coverage of labelled regression rows served with an interval (interval-coverage.ts): per level
 * (the level as a string, e.g. "0.9"), slot 0 = marginal, slot 1 + g = Mondrian group g of the serving
 * version (length 1 without groups). covered = lower − 1e-6 ≤ actual ≤ upper + 1e-6.
 */
export type CoverageCounts = Record<string, { n: number[]; covered: number[] }>;

/**
 * What feedback adds to a summary, in the PREDICTION's key (late feedback lands in its bucket). A label that
 * replaces an earlier one is folded as the new delta plus the old one with weight −1, so sums stay exact.
 */
export interface LabelledSummary {
  performance: RegressionLabelled | BinaryLabelled | MulticlassLabelled;
  coverage?: CoverageCounts;
}

export interface Summary {
  v: typeof SUMMARY_VERSION;
  /** Logged rows (all statuses). */
  n: number;
  /** Rows with status "error". */
  errors: number;
  /** Distinct request ids (see the module comment). */
  requests: number;
  /** Requests with at least one error row. */
  request_errors: number;
  /** Per-request latency (max over the request's rows), one value per counted request. */
  latency?: LatencySketch;
  colos?: Record<string, ColoCounts>;
  /**
   * Inputs of rows with status "ok", per manifest feature of the serving version, on that version's
   * reference (records whose manifest could not be read count in `unreferenced` instead).
   */
  features?: Record<string, FeatureSummary>;
  /** Outputs of ok rows on the serving version's prediction reference (reference.prediction). */
  prediction?: NumericSummary;
  /** Multiclass: predicted class (logged label) counts on reference.prediction_classes. */
  prediction_classes?: CategorySummary;
  /** Ok rows folded without their manifest (no features/prediction counted for them). */
  unreferenced?: number;
  labelled?: LabelledSummary;
}

/** A summary with no records. */
export const emptySummary = (): Summary => ({
  v: SUMMARY_VERSION,
  n: 0,
  errors: 0,
  requests: 0,
  request_errors: 0,
});

/** The start of the bucket of width `bucketMs` containing `ts`. */
export const bucketStart = (ts: number, bucketMs: number): number => Math.floor(ts / bucketMs) * bucketMs;

/** A stable string for a key (map keys, row ids). */
export const summaryKeyId = (key: SummaryKey): string =>
  `${key.model}|${key.version}|${key.route}|${key.bucket_ms}|${key.bucket_start}`;

/** The fine key of a record or prediction (model, version, route at `ts`). */
export const fineKey = (model: string, version: string, route: LogRoute, ts: number): SummaryKey => ({
  model,
  version,
  route,
  bucket_start: bucketStart(ts, FINE_BUCKET_MS),
  bucket_ms: FINE_BUCKET_MS,
});
