import type { Feature, Manifest, NumericReference, ReferenceDistribution } from "../contracts/manifest.ts";
import type { MonitoringThresholds } from "../repository/registry-types.ts";
import { chiSquareAgainstReference, UNSEEN_BUCKET } from "./stats/chi-square.ts";
import { ksAgainstReference } from "./stats/ks-test.ts";
import { binProportions, psi } from "./stats/psi.ts";
import { mean } from "./stats/summary-stats.ts";

/** Below this many values a feature's drift is not judged (PSI of tiny samples is mostly noise). */
export const MIN_DRIFT_ROWS = 100;

export type DriftStatus = "ok" | "warn" | "drift" | "insufficient_data";

export interface FeatureDrift {
  type: "numeric" | "category";
  n: number;
  psi: number | null;
  test: "ks" | "chi_square";
  statistic: number | null;
  p_value: number | null;
  /** The significance level after Bonferroni (alpha / number of features tested together). */
  alpha: number;
  significant: boolean;
  status: DriftStatus;
  mean?: number | null;
  reference_mean?: number;
  proportions?: Record<string, number>;
}

/**
 * A feature drifts when its PSI reaches `psi_drift`, or when its test is significant after Bonferroni and
 * its PSI reaches `psi_warn` (significant and material: with many rows a test alone flags negligible
 * shifts). One of the two signals alone is a warning.
 */
export function driftStatus(
  psiValue: number,
  significant: boolean,
  thresholds: MonitoringThresholds,
): DriftStatus {
  if (psiValue >= thresholds.psi_drift || (significant && psiValue >= thresholds.psi_warn)) return "drift";
  if (significant || psiValue >= thresholds.psi_warn) return "warn";
  return "ok";
}

/** The verdict of a test (KS or chi-square) beside the PSI of the same values. */
function tested(
  psiValue: number,
  test: { statistic: number; p_value: number },
  alpha: number,
  thresholds: MonitoringThresholds,
) {
  const significant = test.p_value < alpha;
  return {
    psi: psiValue,
    statistic: test.statistic,
    p_value: test.p_value,
    significant,
    status: driftStatus(psiValue, significant, thresholds),
  };
}

/** The verdict below MIN_DRIFT_ROWS values: no test is run. */
const INSUFFICIENT = {
  psi: null,
  statistic: null,
  p_value: null,
  significant: false,
  status: "insufficient_data",
} as const;

export function numericDrift(
  values: readonly number[],
  reference: NumericReference,
  referenceRows: number,
  discrete: boolean,
  alpha: number,
  thresholds: MonitoringThresholds,
): FeatureDrift {
  const base = {
    type: "numeric" as const,
    n: values.length,
    test: "ks" as const,
    alpha,
    reference_mean: reference.mean,
  };
  if (values.length < MIN_DRIFT_ROWS) {
    return { ...base, ...INSUFFICIENT, mean: mean(values) };
  }
  const psiValue = psi(reference.bins.proportions, binProportions(reference.bins.edges, values));
  const ks = ksAgainstReference(values, reference.quantiles, referenceRows, discrete);
  return { ...base, ...tested(psiValue, ks, alpha, thresholds), mean: mean(values) };
}

export function categoryDrift(
  values: readonly string[],
  proportions: Readonly<Record<string, number>>,
  referenceRows: number,
  alpha: number,
  thresholds: MonitoringThresholds,
): FeatureDrift {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  const observed = Object.fromEntries(
    [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v / values.length]),
  );
  const base = {
    type: "category" as const,
    n: values.length,
    test: "chi_square" as const,
    alpha,
    proportions: observed,
  };
  if (values.length < MIN_DRIFT_ROWS) {
    return { ...base, ...INSUFFICIENT };
  }
  const chi = chiSquareAgainstReference(counts, proportions, referenceRows);
  const expected = chi.buckets.map((bucket) => bucket.expected / values.length);
  const actual = chi.buckets.map((bucket) => bucket.observed / values.length);
  return {
    ...base,
    ...tested(psi(expected, actual), chi, alpha, thresholds),
    ...(chi.buckets.some((bucket) => bucket.value === UNSEEN_BUCKET) ? { unseen_share: actual.at(-1) } : {}),
  };
}

function featureValues(feature: Feature, inputs: readonly Record<string, unknown>[]): (number | string)[] {
  const values: (number | string)[] = [];
  for (const row of inputs) {
    const value = row[feature.name];
    if (feature.kind === "category") {
      if (typeof value === "string" || typeof value === "number") values.push(String(value));
    } else if (typeof value === "number" && Number.isFinite(value)) values.push(value);
  }
  return values;
}

export interface DatasetDrift {
  reference_version: string;
  rows: number;
  alpha: number;
  bonferroni_alpha: number;
  features: Record<string, FeatureDrift>;
  drifted_features: string[];
  warned_features: string[];
  evaluated_features: number;
  drift_share: number;
  dataset_drift: boolean;
}

/** Per-feature drift of the window's inputs against the manifest reference, Bonferroni across features. */
export function datasetDrift(
  manifest: Manifest,
  inputs: readonly Record<string, unknown>[],
  thresholds: MonitoringThresholds,
): DatasetDrift {
  const alpha = thresholds.p_value / Math.max(1, manifest.features.length);
  const features: Record<string, FeatureDrift> = {};
  for (const feature of manifest.features) {
    const reference: ReferenceDistribution | undefined = manifest.reference.features[feature.name];
    if (!reference) continue;
    const values = featureValues(feature, inputs);
    features[feature.name] =
      reference.type === "category"
        ? categoryDrift(values as string[], reference.proportions, manifest.reference.rows, alpha, thresholds)
        : numericDrift(
            values as number[],
            reference,
            manifest.reference.rows,
            feature.kind === "integer",
            alpha,
            thresholds,
          );
  }
  const evaluated = Object.values(features).filter((entry) => entry.status !== "insufficient_data");
  const drifted = Object.entries(features)
    .filter(([, entry]) => entry.status === "drift")
    .map(([name]) => name);
  const warned = Object.entries(features)
    .filter(([, entry]) => entry.status === "warn")
    .map(([name]) => name);
  const share = evaluated.length ? drifted.length / evaluated.length : 0;
  return {
    reference_version: manifest.version,
    rows: inputs.length,
    alpha: thresholds.p_value,
    bonferroni_alpha: alpha,
    features,
    drifted_features: drifted,
    warned_features: warned,
    evaluated_features: evaluated.length,
    drift_share: share,
    dataset_drift: evaluated.length > 0 && share >= thresholds.dataset_drift_share,
  };
}

/** The version's outputs against its manifest's reference prediction distribution (one test, no correction). */
export function predictionDrift(
  manifest: Manifest,
  outputs: readonly number[],
  thresholds: MonitoringThresholds,
): FeatureDrift {
  return numericDrift(
    outputs,
    manifest.reference.prediction,
    manifest.reference.rows,
    false,
    thresholds.p_value,
    thresholds,
  );
}
