/**
 * Confidence bounds for a window's RMSE and R² (issue 12: health verdicts on evidence). Each bound is a
 * one-sided bound at `confidence` (default 0.95), so [lower, upper] is a two-sided interval at
 * 2·confidence − 1 (90 %).
 *
 * - RMSE: the chi-square bound for the error variance, n·MSE/σ² ~ χ²_n when the errors are N(0, σ²).
 * - R²: 1 − R² = mean(e²) / mean((y − ȳ)²) is a ratio of two means over the same rows; its log has the
 *   delta-method variance [Var(a)/ā² + Var(b)/b̄² − 2·Cov(a, b)/(ā·b̄)] / n with a = e², b = (y − ȳ)²,
 *   bounded with Student's t at n − 1 degrees of freedom. The covariance term matters: a model whose
 *   errors follow the target (shrinkage toward the mean, linear on ids) has a far tighter ratio than its
 *   two parts.
 * Below MIN_LABELS_FOR_BOUNDS rows the variance estimates are too rough and no bound is given.
 */
import { chiSquareQuantile, studentTQuantile } from "./quantiles.ts";

/** Fewest labelled rows a bound is computed from. */
export const MIN_LABELS_FOR_BOUNDS = 10;
/** Each side's one-sided confidence. */
const BOUND_CONFIDENCE = 0.95;

export interface Bounds {
  lower: number;
  upper: number;
  /** One-sided confidence of each side (the pair is a two-sided interval at 2·confidence − 1). */
  confidence: number;
}

export interface RegressionBounds {
  rmse_bounds: Bounds | null;
  r2_bounds: Bounds | null;
}

const round = (value: number) => Number(value.toPrecision(6));

/** Chi-square bounds of the RMSE from n and the MSE (errors assumed N(0, σ²)). */
export function rmseBounds(n: number, mse: number, confidence = BOUND_CONFIDENCE): Bounds | null {
  if (n < MIN_LABELS_FOR_BOUNDS || !Number.isFinite(mse) || mse < 0) return null;
  const lower = Math.sqrt((n * mse) / chiSquareQuantile(confidence, n));
  const upper = Math.sqrt((n * mse) / chiSquareQuantile(1 - confidence, n));
  return { lower: round(lower), upper: round(upper), confidence };
}

/** Delta-method (log-ratio) bounds of R² = 1 − SSE/SST over paired rows; null when SST is 0. */
export function r2Bounds(
  predicted: readonly number[],
  actual: readonly number[],
  confidence = BOUND_CONFIDENCE,
): Bounds | null {
  const n = Math.min(predicted.length, actual.length);
  if (n < MIN_LABELS_FOR_BOUNDS) return null;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += actual[i] as number;
  mean /= n;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) {
    a[i] = ((predicted[i] as number) - (actual[i] as number)) ** 2;
    b[i] = ((actual[i] as number) - mean) ** 2;
    sumA += a[i] as number;
    sumB += b[i] as number;
  }
  if (!(sumB > 0)) return null;
  const meanA = sumA / n;
  const meanB = sumB / n;
  let varA = 0;
  let varB = 0;
  let cov = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    varA += da * da;
    varB += db * db;
    cov += da * db;
  }
  return r2BoundsFromMoments(n, meanA, meanB, varA / (n - 1), varB / (n - 1), cov / (n - 1), confidence);
}

/**
 * The R² bounds from the moments of a = e² and b = (y − ȳ)² (means, variances and covariance with n − 1):
 * what `r2Bounds` computes from rows, and a monitoring summary from its sums (monitoring/stats/labelled-metrics.ts).
 */
export function r2BoundsFromMoments(
  n: number,
  meanA: number,
  meanB: number,
  varA: number,
  varB: number,
  cov: number,
  confidence = BOUND_CONFIDENCE,
): Bounds | null {
  if (n < MIN_LABELS_FOR_BOUNDS || !(meanB > 0)) return null;
  if (meanA === 0) return { lower: 1, upper: 1, confidence };
  const logVariance = Math.max(0, varA / meanA ** 2 + varB / meanB ** 2 - (2 * cov) / (meanA * meanB)) / n;
  const spread = studentTQuantile(confidence, n - 1) * Math.sqrt(logVariance);
  const ratio = meanA / meanB;
  return {
    lower: round(1 - ratio * Math.exp(spread)),
    upper: round(1 - ratio * Math.exp(-spread)),
    confidence,
  };
}

export function regressionBounds(
  predicted: readonly number[],
  actual: readonly number[],
  mse: number,
  confidence = BOUND_CONFIDENCE,
): RegressionBounds {
  const n = Math.min(predicted.length, actual.length);
  return { rmse_bounds: rmseBounds(n, mse, confidence), r2_bounds: r2Bounds(predicted, actual, confidence) };
}
