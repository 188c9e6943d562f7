import type { Manifest } from "../contracts/manifest.ts";
import { summaryDatasetDrift } from "../monitoring/feature-drift.ts";
import { summaryIntervalCoverage } from "../monitoring/interval-coverage.ts";
import { labelledPerformance } from "../monitoring/performance.ts";
import { summaryPredictionDrift } from "../monitoring/prediction-drift.ts";
import type { WindowRow } from "../monitoring/store/window-reader.ts";
import type { KeyedSummary } from "../monitoring/summary/fold.ts";
import type { LabelledSummary, Summary } from "../monitoring/summary/summary.ts";
import type { ModelRecord, MonitoringThresholds } from "../repository/registry-types.ts";
import { taskOf } from "../tasks/index.ts";
import { thin } from "../tasks/metrics/classification-curves.ts";
import type { ClassificationMetrics } from "../tasks/metrics/classification-metrics.ts";
import type { MulticlassMetrics } from "../tasks/metrics/multiclass-metrics.ts";
import type { RegressionMetrics } from "../tasks/metrics/regression-metrics.ts";
import { abView } from "./summary-arms.ts";
import { binaryCurves } from "./summary-curves.ts";
import { byBucket, distribution, merged, opsPoint, rowsOf } from "./summary-views.ts";

/** The time ranges the dashboard offers, with the bucket width of their time series. */
export const DASHBOARD_RANGES = {
  "1h": { ms: 3_600_000, bucketMs: 5 * 60_000 },
  "6h": { ms: 6 * 3_600_000, bucketMs: 30 * 60_000 },
  "24h": { ms: 24 * 3_600_000, bucketMs: 3_600_000 },
  "7d": { ms: 7 * 24 * 3_600_000, bucketMs: 6 * 3_600_000 },
} as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;
/** Points of the regression scatter at most (labelled rows of the recent sample, thinned evenly). */
const MAX_SCATTER_POINTS = 400;

interface DashboardInput {
  record: ModelRecord;
  manifest: Manifest | undefined;
  thresholds: MonitoringThresholds;
  /** The range's monitoring summaries, merged per key (store/summary-store.ts readSummaries). */
  summaries: readonly KeyedSummary[];
  /** Labelled rows of the recent sample (regression scatter only; every figure comes from the summaries). */
  sample: readonly WindowRow[];
  range: DashboardRange;
  end: number;
}

const isServed = ({ key }: KeyedSummary) => key.route !== "shadow";
/** Input distributions: served rows that scored the request's own inputs (not recommended items). */
const isInput = ({ key }: KeyedSummary) => key.route !== "shadow" && key.route !== "recommend";

function panel(
  manifest: Manifest,
  labelled: LabelledSummary | undefined,
  sample: readonly WindowRow[],
  series: { t: number; n: number; value: number | null }[],
) {
  const sums = labelled?.performance;
  if (!sums) return null;
  const metrics = labelledPerformance(labelled);
  if (sums.task === "regression") {
    const m = metrics as RegressionMetrics | null;
    const points = sample.flatMap((row) =>
      row.output !== null && row.actual !== null ? [{ predicted: row.output, actual: row.actual }] : [],
    );
    return {
      kind: "regression" as const,
      metric: "rmse" as const,
      metrics: m && { n: m.n, mae: m.mae, mse: m.mse, rmse: m.rmse, r2: m.r2 },
      points: thin(points, MAX_SCATTER_POINTS),
      series,
    };
  }
  if (sums.task === "binary_classification") {
    const m = metrics as ClassificationMetrics | null;
    return {
      kind: "classification" as const,
      metric: "accuracy" as const,
      metrics: m && {
        n: m.n,
        positives: m.positives,
        auc: m.auc,
        accuracy: m.accuracy,
        brier: m.brier,
        log_loss: m.log_loss,
      },
      ...binaryCurves(sums),
      series,
    };
  }
  const m = metrics as MulticlassMetrics | null;
  void manifest;
  return {
    kind: "multiclass" as const,
    metric: "accuracy" as const,
    classes: [...sums.classes],
    metrics: m && {
      n: m.n,
      accuracy: m.accuracy,
      macro_f1: m.macro_f1,
      log_loss: m.log_loss,
      brier: m.brier,
      ece_macro: m.ece_macro,
    },
    confusion: sums.confusion.map((row) => [...row]),
    per_class: m?.per_class ?? {},
    series,
  };
}

/** The prediction of the default version against the reference its task names, whole range and per bucket. */
function predictionView(
  manifest: Manifest,
  whole: Summary | null,
  buckets: [number, Summary | null][],
  thresholds: MonitoringThresholds,
) {
  const reference = taskOf(manifest).predictionReference(manifest);
  const drift = summaryPredictionDrift(manifest, whole ?? {}, thresholds);
  const counted = reference.type === "category" ? whole?.prediction_classes : whole?.prediction;
  return {
    type: reference.type,
    n: drift.n,
    psi: drift.psi,
    test: drift.test,
    p_value: drift.p_value,
    status: drift.status,
    distribution: distribution(reference, counted),
    series: buckets.map(([t, summary]) => {
      const bucket = summaryPredictionDrift(manifest, summary ?? {}, thresholds);
      return {
        t,
        n: bucket.n,
        psi: bucket.psi,
        status: bucket.status,
        ...(bucket.proportions ? { proportions: bucket.proportions } : {}),
      };
    }),
  };
}

/**
 * Everything the dashboard draws for one model and time range, from the range's monitoring summaries with
 * the statistics the cron report uses (no raw rows: the cost is the range's summary rows, whatever the
 * traffic): ops per bucket (latency percentiles from the merged DDSketch, ±1 %); input drift of the default
 * version's served rows against its reference, whole range and per bucket (binned forms, bounds stated by
 * the methods); the prediction's distribution; performance of the default version from its labelled sums
 * (exact; the binary AUC from 0.01-wide score bins with its error bound); the A/B arms from per-arm sums.
 */
export function buildDashboardData(input: DashboardInput) {
  const { record, manifest, thresholds, summaries, range } = input;
  const { ms, bucketMs } = DASHBOARD_RANGES[range];
  const start = Math.floor((input.end - ms) / bucketMs) * bucketMs;
  const served = summaries.filter(isServed);
  const logged = rowsOf(summaries);
  const defaultInputs = summaries.filter((entry) => isInput(entry) && entry.key.version === record.default);
  const whole = merged(defaultInputs);
  const buckets: [number, Summary | null][] = [...byBucket(defaultInputs, start, bucketMs)].map(
    ([t, group]) => [t, merged(group)],
  );

  const drift = manifest
    ? summaryDatasetDrift(manifest, whole?.features ?? {}, whole?.n ?? 0, thresholds)
    : null;
  const driftSeries = manifest
    ? buckets.map(([t, summary]) => ({
        t,
        drift: summaryDatasetDrift(manifest, summary?.features ?? {}, summary?.n ?? 0, thresholds),
      }))
    : [];
  const features = manifest
    ? manifest.features.flatMap((feature) => {
        const reference = manifest.reference.features[feature.name];
        if (!reference) return [];
        const entry = drift?.features[feature.name];
        return [
          {
            name: feature.name,
            type: reference.type,
            n: entry?.n ?? 0,
            psi: entry?.psi ?? null,
            test: entry?.test ?? (reference.type === "category" ? "chi_square" : "ks"),
            p_value: entry?.p_value ?? null,
            status: entry?.status ?? "insufficient_data",
            distribution: distribution(reference, whole?.features?.[feature.name]),
            series: driftSeries.map(({ t, drift: bucket }) => {
              const point = bucket.features[feature.name];
              return {
                t,
                n: point?.n ?? 0,
                psi: point?.psi ?? null,
                p_value: point?.p_value ?? null,
                status: point?.status ?? "insufficient_data",
              };
            }),
          },
        ];
      })
    : [];

  const performanceSeries = manifest
    ? buckets.flatMap(([t, summary]) => {
        const labelled = summary?.labelled;
        const metrics = labelledPerformance(labelled);
        if (!metrics) return [];
        return [{ t, n: metrics.n, value: taskOf(manifest).seriesValue(metrics as never) }];
      })
    : [];

  return {
    model: record.name,
    task: manifest?.task ?? null,
    range,
    start,
    end: input.end,
    bucket_ms: bucketMs,
    default_version: record.default,
    rows: { total: logged, analyzed: logged, sampled: false },
    ops: {
      total: opsPoint(start, served),
      series: [...byBucket(served, start, bucketMs)].map(([t, group]) => opsPoint(t, group)),
    },
    drift: drift && {
      rows: drift.rows,
      drift_share: drift.drift_share,
      dataset_drift: drift.dataset_drift,
      bonferroni_alpha: drift.bonferroni_alpha,
      drifted_features: drift.drifted_features,
      features,
    },
    prediction: manifest
      ? { ...predictionView(manifest, whole, buckets, thresholds), version: record.default }
      : null,
    performance: manifest ? panel(manifest, whole?.labelled, input.sample, performanceSeries) : null,
    interval_coverage: manifest
      ? summaryIntervalCoverage(record.default, manifest, whole?.labelled?.coverage)
      : null,
    ab: abView(manifest, summaries, record, thresholds),
  };
}
