import type { Feature, Manifest, NumericReference, ReferenceDistribution } from "../contracts/manifest.ts";
import type { DriftStatus } from "../vocabulary/index.ts";
import { finestGrid } from "./drift/binned-sample.ts";
import type { BinnedNumericSample, DriftFeatureKind, DriftMeasure } from "./drift/drift-method.ts";
import { type IdCoverage, idCoverage, idProportions } from "./drift/id-coverage.ts";
import { type ResolvedMethod, resolveMethod } from "./drift/method-choice.ts";
import { driftWeights, type IdReference, idReferences } from "./drift/model-annotations.ts";
import { adjustedPsi } from "./drift/psi-bias.ts";
import { binnedPsi, categoryPsi, numericPsi } from "./drift/psi-method.ts";
import type { DriftMethodName } from "./drift/registry.ts";
import { binnedWasserstein } from "./stats/binned-wasserstein.ts";
import { chiSquareAgainstReference, UNSEEN_BUCKET } from "./stats/chi-square.ts";
import { mean } from "./stats/summary-stats.ts";
import { normalisedWasserstein } from "./stats/wasserstein.ts";
import type { FeatureSummary, NumericSummary } from "./summary/summary.ts";
import type { MonitoringThresholds } from "./thresholds.ts";

/** Below this many values a feature's drift is not judged (PSI of tiny samples is mostly noise). */
const MIN_DRIFT_ROWS = 100;

export interface FeatureDrift {
  type: "numeric" | "category";
  n: number;
  /** Always computed beside the method: the platform's materiality gauge (and the dashboard's). */
  psi: number | null;
  /** PSI minus its no-drift expectation (k − 1)(1/n + 1/N) (drift/psi-bias.ts), floored at 0. */
  psi_adjusted: number | null;
  /** The feature's model-importance weight (1 unless the manifest records importances). */
  weight: number;
  /**
   * The size of the change on the PSI scale, which the status is judged on: weight × psi_adjusted for a
   * category; weight × min(psi_adjusted, W²) for a numeric feature, W the Wasserstein distance in reference
   * standard deviations (PSI ≈ δ² for a δσ mean shift, so both read on one scale).
   */
  effect: number | null;
  /** Identifier features (manifest `training.id_reference`): coverage of active vs reference ids. */
  id_coverage?: IdCoverage;
  /** The drift method that judged this feature (named `test` from when only KS and chi-square existed). */
  test: DriftMethodName;
  statistic: number | null;
  p_value: number | null;
  /** The significance level after Bonferroni (p-value level / number of features tested together). */
  alpha: number;
  /** Statistic methods: the level the statistic was compared with. */
  threshold?: number;
  /** The method's own signal: p < alpha for a test, statistic ≥ threshold for a distance. */
  significant: boolean;
  status: DriftStatus;
  mean?: number | null;
  reference_mean?: number;
  proportions?: Record<string, number>;
  /**
   * Read from a summary's bins where the method's statistic is an approximation (binned KS, Wasserstein):
   * the exact statistic of the raw values lies within (upper null: unbounded above). Absent when exact.
   */
  statistic_bounds?: { lower: number; upper: number | null };
  /**
   * Numeric features read from bins: the effect's W² term is the binned Wasserstein estimate; the effect of the
   * raw values lies within these bounds (from the distance's bounds).
   */
  effect_bounds?: { lower: number; upper: number };
  /** Share of the window's values outside the reference categories (pooled as __unseen__). */
  unseen_share?: number;
}

/**
 * Materiality on the PSI scale below which a significant test alone is not a warning: 0.02 is a 0.14σ mean
 * shift of a normal feature (PSI ≈ δ²) or a 7-point shift of a balanced binary one. Without it every
 * negligible shift becomes "significant" once the window is large enough.
 */
export const MATERIAL_PSI = 0.02;

/**
 * The feature's effect on a common scale is its weight × its bias-corrected PSI. The model-level status uses the
 * weighted effect: the feature drifts when it reaches `psi_drift`, or when its test is significant after
 * Bonferroni and it reaches `psi_warn`. Detection uses the unweighted size: the feature warns (named, info
 * severity) when its test is significant and its unweighted effect is material (≥ MATERIAL_PSI), so an
 * unimportant feature's shift is still reported but never puts the model in "warning". An effect below
 * `psi_drift` without a significant test is the noise of a small window (100 ids at 500 rows), not a warning.
 */
function driftStatus(
  effect: number,
  unweightedEffect: number,
  significant: boolean,
  thresholds: Pick<MonitoringThresholds, "psi_warn" | "psi_drift">,
): DriftStatus {
  if (effect >= thresholds.psi_drift || (significant && effect >= thresholds.psi_warn)) return "drift";
  if (significant && unweightedEffect >= MATERIAL_PSI) return "warn";
  return "ok";
}

/**
 * The verdict of the feature's method beside the PSI of the same values. Tests (judged on a p-value) keep the
 * rule of `driftStatus`; a distance (judged on its statistic) drifts when it reaches its threshold, and an
 * effect at `psi_warn` alone is a warning.
 */
function judged(
  resolved: ResolvedMethod,
  measure: DriftMeasure,
  psi: { raw: number; bins: number; n: number; weight: number; distanceSquared?: number },
  context: DriftContext,
) {
  const { thresholds, testedTogether } = context;
  const psiAdjusted = adjustedPsi(psi.raw, psi.bins, psi.n, context.referenceRows);
  const unweightedEffect = Math.min(psiAdjusted, psi.distanceSquared ?? Number.POSITIVE_INFINITY);
  const effect = psi.weight * unweightedEffect;
  const common = {
    ...(measure.statistic_bounds ? { statistic_bounds: measure.statistic_bounds } : {}),
    psi: psi.raw,
    psi_adjusted: psiAdjusted,
    weight: psi.weight,
    effect,
    statistic: measure.statistic,
    p_value: measure.p_value,
  };
  if (resolved.method.judges === "p_value") {
    const alpha = resolved.threshold / testedTogether;
    const significant = (measure.p_value ?? 1) < alpha;
    return {
      ...common,
      alpha,
      significant,
      status: driftStatus(effect, unweightedEffect, significant, thresholds),
    };
  }
  const significant = measure.statistic >= resolved.threshold;
  const status: DriftStatus = significant ? "drift" : effect >= thresholds.psi_warn ? "warn" : "ok";
  return { ...common, threshold: resolved.threshold, significant, status };
}

/** The verdict below MIN_DRIFT_ROWS values: nothing is computed. */
const INSUFFICIENT = {
  psi: null,
  psi_adjusted: null,
  effect: null,
  statistic: null,
  p_value: null,
  significant: false,
  status: "insufficient_data",
} as const;

export interface DriftContext {
  kind: DriftFeatureKind;
  /** The feature's name for per-feature method choices; null for the prediction. */
  name: string | null;
  referenceRows: number;
  /** Features tested together (Bonferroni divides p-value levels by it); 1 for the prediction. */
  testedTogether: number;
  thresholds: MonitoringThresholds;
  /** The feature's model-importance weight (drift/model-annotations.ts); 1 when absent. */
  weight?: number;
}

const resolveFor = (context: DriftContext, shape: "numeric" | "category") =>
  resolveMethod(
    context.thresholds.drift_methods,
    context.kind,
    shape,
    context.name,
    context.referenceRows,
    context.thresholds,
  );

export function numericDrift(
  values: readonly number[],
  reference: NumericReference,
  discrete: boolean,
  context: DriftContext,
): FeatureDrift {
  const resolved = resolveFor(context, "numeric");
  const base = {
    type: "numeric" as const,
    n: values.length,
    test: resolved.name,
    alpha: context.thresholds.p_value / context.testedTogether,
    weight: context.weight ?? 1,
    reference_mean: reference.mean,
  };
  if (values.length < MIN_DRIFT_ROWS) {
    return { ...base, ...INSUFFICIENT, mean: mean(values) };
  }
  const sample = { values, reference, referenceRows: context.referenceRows, discrete };
  const measure = (resolved.method.numeric as NonNullable<typeof resolved.method.numeric>)(sample);
  return {
    ...base,
    ...judged(
      resolved,
      measure,
      {
        raw: numericPsi(sample),
        bins: reference.bins.proportions.length,
        n: values.length,
        weight: context.weight ?? 1,
        distanceSquared: normalisedWasserstein(values, reference.quantiles, reference.std, discrete) ** 2,
      },
      context,
    ),
    mean: mean(values),
  };
}

/**
 * `numericDrift` of a window known by its summary counts (monitoring/summary): the method's binned form, PSI
 * exact on the manifest's bins, the Wasserstein distance of the effect from the finest bins (its estimate).
 */
export function binnedNumericDrift(
  summary: NumericSummary,
  reference: NumericReference,
  discrete: boolean,
  context: DriftContext,
): FeatureDrift {
  const resolved = resolveFor(context, "numeric");
  const mean = summary.n > 0 ? summary.sum / summary.n : null;
  const base = {
    type: "numeric" as const,
    n: summary.n,
    test: resolved.name,
    alpha: context.thresholds.p_value / context.testedTogether,
    weight: context.weight ?? 1,
    reference_mean: reference.mean,
  };
  if (summary.n < MIN_DRIFT_ROWS) return { ...base, ...INSUFFICIENT, mean };
  const sample: BinnedNumericSample = {
    counts: summary.counts,
    fine:
      summary.quantile_counts.length === reference.quantiles.length + 1
        ? { edges: reference.quantiles, counts: summary.quantile_counts }
        : null,
    n: summary.n,
    min: summary.min,
    max: summary.max,
    reference,
    referenceRows: context.referenceRows,
    discrete,
  };
  const measure = (resolved.method.binned as NonNullable<typeof resolved.method.binned>)(sample);
  const distance = binnedWasserstein(finestGrid(sample), reference.quantiles, reference.std, discrete);
  const verdict = judged(
    resolved,
    measure,
    {
      raw: binnedPsi(sample),
      bins: reference.bins.proportions.length,
      n: summary.n,
      weight: context.weight ?? 1,
      distanceSquared: distance.statistic ** 2,
    },
    context,
  );
  const weight = context.weight ?? 1;
  const effectAt = (w: number | null) =>
    weight * Math.min(verdict.psi_adjusted, (w ?? Number.POSITIVE_INFINITY) ** 2);
  return {
    ...base,
    ...verdict,
    effect_bounds: { lower: effectAt(distance.bounds.lower), upper: effectAt(distance.bounds.upper) },
    mean,
  };
}

/** The counts of a category summary, the values outside the reference pooled under UNSEEN_BUCKET. */
export function summaryCounts(
  counts: Readonly<Record<string, number>>,
  unknown: number,
): Map<string, number> {
  const map = new Map(Object.entries(counts).filter(([, count]) => count > 0));
  if (unknown > 0) map.set(UNSEEN_BUCKET, unknown);
  return map;
}

export function categoryDrift(
  values: readonly string[],
  proportions: Readonly<Record<string, number>>,
  context: DriftContext,
): FeatureDrift {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return countedCategoryDrift(counts, proportions, context);
}

/**
 * A category window's drift from its counts per value (a summary pools values outside the reference under
 * UNSEEN_BUCKET: PSI, chi-square statistic and Jensen–Shannon are unchanged by the pooling, each linear in the
 * unseen counts; the two-sample chi-square's degrees of freedom count the pool as one value).
 */
export function countedCategoryDrift(
  counts: ReadonlyMap<string, number>,
  proportions: Readonly<Record<string, number>>,
  context: DriftContext,
): FeatureDrift {
  const resolved = resolveFor(context, "category");
  let n = 0;
  for (const count of counts.values()) n += count;
  const observed = Object.fromEntries(
    [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v / n]),
  );
  const base = {
    type: "category" as const,
    n,
    test: resolved.name,
    alpha: context.thresholds.p_value / context.testedTogether,
    weight: context.weight ?? 1,
    proportions: observed,
  };
  if (n < MIN_DRIFT_ROWS) {
    return { ...base, ...INSUFFICIENT };
  }
  const sample = { counts, n, reference: proportions, referenceRows: context.referenceRows };
  const measure = (resolved.method.category as NonNullable<typeof resolved.method.category>)(sample);
  const { buckets } = chiSquareAgainstReference(counts, proportions, context.referenceRows);
  const unseen = buckets.find((bucket) => bucket.value === UNSEEN_BUCKET);
  return {
    ...base,
    ...judged(
      resolved,
      measure,
      { raw: categoryPsi(sample), bins: buckets.length, n, weight: context.weight ?? 1 },
      context,
    ),
    ...(unseen ? { unseen_share: unseen.observed / n } : {}),
  };
}

/** An identifier as a category: the distribution of ids (two-sample chi-square, PSI) and their coverage. */
function idDrift(
  values: readonly (number | string)[],
  reference: IdReference,
  context: DriftContext,
): FeatureDrift {
  const ids = values.map(String);
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  const referenceRows = Object.values(reference.counts).reduce((sum, count) => sum + count, 0);
  const drift = categoryDrift(ids, idProportions(reference), { ...context, referenceRows });
  const { proportions: _perId, ...rest } = drift;
  return { ...rest, id_coverage: idCoverage(counts, reference) };
}

/** `idDrift` from a summary's per-reference-id counts (ids outside the reference pooled: see IdCoverage). */
function countedIdDrift(
  ids: { counts: Readonly<Record<string, number>>; unknown: number },
  reference: IdReference,
  context: DriftContext,
): FeatureDrift {
  const counts = summaryCounts(ids.counts, ids.unknown);
  const referenceRows = Object.values(reference.counts).reduce((sum, count) => sum + count, 0);
  const drift = countedCategoryDrift(counts, idProportions(reference), { ...context, referenceRows });
  const { proportions: _perId, ...rest } = drift;
  return { ...rest, id_coverage: idCoverage(counts, reference) };
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

/** One feature's drift, given its reference and context (from raw values or from a summary). */
type FeatureMeasure = (
  feature: Feature,
  reference: ReferenceDistribution,
  context: DriftContext,
  idReference: IdReference | undefined,
) => FeatureDrift | null;

/** Per-feature drift of the window's inputs against the manifest reference, Bonferroni across features. */
export function datasetDrift(
  manifest: Manifest,
  inputs: readonly Record<string, unknown>[],
  thresholds: MonitoringThresholds,
): DatasetDrift {
  return assembleDrift(manifest, inputs.length, thresholds, (feature, reference, context, idReference) => {
    const values = featureValues(feature, inputs);
    if (idReference) return idDrift(values, idReference, context);
    return reference.type === "category"
      ? categoryDrift(values as string[], reference.proportions, context)
      : numericDrift(values as number[], reference, feature.kind === "integer", context);
  });
}

/**
 * `datasetDrift` from the merged feature summaries of the window's served rows (no rows read). A feature whose
 * summary was counted on another reference (a different edges digest) or is absent counts as no values.
 */
export function summaryDatasetDrift(
  manifest: Manifest,
  features: Readonly<Record<string, FeatureSummary>>,
  rows: number,
  thresholds: MonitoringThresholds,
): DatasetDrift {
  return assembleDrift(manifest, rows, thresholds, (feature, reference, context, idReference) => {
    const summary = features[feature.name];
    if (idReference) {
      const ids = summary?.type === "numeric" ? summary.ids : undefined;
      return countedIdDrift(ids ?? { counts: {}, unknown: 0 }, idReference, context);
    }
    if (reference.type === "category") {
      const counted = summary?.type === "category" ? summary : undefined;
      return countedCategoryDrift(
        summaryCounts(counted?.counts ?? {}, counted?.unknown ?? 0),
        reference.proportions,
        context,
      );
    }
    const numeric = summary?.type === "numeric" ? summary : emptyNumeric(reference);
    return binnedNumericDrift(numeric, reference, feature.kind === "integer", context);
  });
}

/** A numeric summary with no values, on `reference`'s bins. */
export function emptyNumeric(reference: NumericReference): NumericSummary {
  return {
    type: "numeric",
    edges_digest: "",
    n: 0,
    counts: new Array<number>(reference.bins.edges.length + 1).fill(0),
    quantile_counts: new Array<number>(reference.quantiles.length + 1).fill(0),
    missing: 0,
    sum: 0,
    sum_sq: 0,
    min: null,
    max: null,
  };
}

function assembleDrift(
  manifest: Manifest,
  rows: number,
  thresholds: MonitoringThresholds,
  measure: FeatureMeasure,
): DatasetDrift {
  const testedTogether = Math.max(1, manifest.features.length);
  const weight = driftWeights(manifest);
  const ids = idReferences(manifest);
  const features: Record<string, FeatureDrift> = {};
  for (const feature of manifest.features) {
    const reference: ReferenceDistribution | undefined = manifest.reference.features[feature.name];
    if (!reference) continue;
    const idReference = ids[feature.name];
    const context: DriftContext = {
      kind: idReference ? "category" : reference.type,
      name: feature.name,
      referenceRows: manifest.reference.rows,
      testedTogether,
      thresholds,
      weight: weight(feature.name),
    };
    const drift = measure(feature, reference, context, idReference);
    if (drift) features[feature.name] = drift;
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
    rows,
    alpha: thresholds.p_value,
    bonferroni_alpha: thresholds.p_value / testedTogether,
    features,
    drifted_features: drifted,
    warned_features: warned,
    evaluated_features: evaluated.length,
    drift_share: share,
    dataset_drift: evaluated.length > 0 && share >= thresholds.dataset_drift_share,
  };
}
