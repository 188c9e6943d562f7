import type { Manifest, ReferenceDistribution } from "../contracts/manifest.ts";
import { type ArmComparison, compareArms } from "../monitoring/ab-comparison.ts";
import { datasetDrift, type FeatureDrift } from "../monitoring/feature-drift.ts";
import { intervalCoverage } from "../monitoring/interval-coverage.ts";
import { groupBy, type OpsMetrics, opsMetrics } from "../monitoring/ops-metrics.ts";
import { withFeedback } from "../monitoring/performance.ts";
import { versionPredictionDrift } from "../monitoring/prediction-drift.ts";
import { binProportions } from "../monitoring/stats/psi.ts";
import type { WindowRow } from "../monitoring/store/window-reader.ts";
import type { ModelRecord, MonitoringThresholds } from "../repository/registry-types.ts";
import { taskOf } from "../tasks/index.ts";

/** The time ranges the dashboard offers, with the bucket width of their time series. */
export const DASHBOARD_RANGES = {
  "1h": { ms: 3_600_000, bucketMs: 5 * 60_000 },
  "6h": { ms: 6 * 3_600_000, bucketMs: 30 * 60_000 },
  "24h": { ms: 24 * 3_600_000, bucketMs: 3_600_000 },
  "7d": { ms: 7 * 24 * 3_600_000, bucketMs: 6 * 3_600_000 },
} as const;
export type DashboardRange = keyof typeof DASHBOARD_RANGES;
/** Rows analysed per answer (the newest are kept; `rows.sampled` says when the range held more). */
export const MAX_DASHBOARD_ROWS = 20_000;

interface DashboardInput {
  record: ModelRecord;
  manifest: Manifest | undefined;
  thresholds: MonitoringThresholds;
  rows: readonly WindowRow[];
  totalRows: number;
  range: DashboardRange;
  end: number;
}

type Point = { t: number };

/** One distribution: the manifest's reference proportions beside the window's, on the same bins. */
function distribution(reference: ReferenceDistribution, drift: FeatureDrift | undefined, values: unknown[]) {
  if (reference.type === "category") {
    const current = drift?.proportions ?? {};
    const labels = [...new Set([...Object.keys(reference.proportions), ...Object.keys(current)])].sort();
    return {
      labels,
      reference: labels.map((label) => reference.proportions[label] ?? 0),
      current: labels.map((label) => current[label] ?? 0),
    };
  }
  const { edges, proportions } = reference.bins;
  const numbers = values.filter(
    (value): value is number => typeof value === "number" && Number.isFinite(value),
  );
  const fmt = (x: number) => Number(x.toPrecision(4)).toString();
  const labels = proportions.map((_, i) =>
    i === 0
      ? `< ${fmt(edges[0] as number)}`
      : i === edges.length
        ? `≥ ${fmt(edges[i - 1] as number)}`
        : `${fmt(edges[i - 1] as number)}–${fmt(edges[i] as number)}`,
  );
  return { labels, reference: [...proportions], current: binProportions(edges, numbers) };
}

function bucketsOf<T extends { ts: number }>(rows: readonly T[], start: number, bucketMs: number) {
  return groupBy(rows, (row) => String(start + Math.floor((row.ts - start) / bucketMs) * bucketMs));
}

const opsPoint = (t: number, ops: OpsMetrics) => ({
  t,
  requests: ops.requests,
  errors: ops.errors,
  error_rate: ops.error_rate,
  p50_ms: ops.latency_ms.p50,
  p95_ms: ops.latency_ms.p95,
  p99_ms: ops.latency_ms.p99,
});

/**
 * Everything the dashboard draws for one model and time range, computed from the prediction log with the
 * same statistics the cron reports use: input drift of served rows against the default version's
 * reference (whole range and per bucket), latency and errors per bucket, performance of the default
 * version from feedback, and the A/B arms.
 */
export function buildDashboardData(input: DashboardInput) {
  const { record, manifest, thresholds, rows, range } = input;
  const { ms, bucketMs } = DASHBOARD_RANGES[range];
  const start = Math.floor((input.end - ms) / bucketMs) * bucketMs;
  const served = rows.filter((row) => row.route !== "shadow");
  const inputRows = served.filter((row) => row.route !== "recommend" && row.status === "ok");
  const buckets = bucketsOf(served, start, bucketMs);
  const inputBuckets = bucketsOf(inputRows, start, bucketMs);
  const total = opsMetrics(served);

  const drift = manifest
    ? datasetDrift(
        manifest,
        inputRows.map((row) => row.inputs),
        thresholds,
      )
    : null;
  const driftSeries = manifest
    ? [...inputBuckets].map(([t, group]) => ({
        t: Number(t),
        drift: datasetDrift(
          manifest,
          group.map((row) => row.inputs),
          thresholds,
        ),
      }))
    : [];
  driftSeries.sort((a, b) => a.t - b.t);
  const features = manifest
    ? manifest.features.flatMap((feature) => {
        const reference = manifest.reference.features[feature.name];
        if (!reference) return [];
        const whole = drift?.features[feature.name];
        return [
          {
            name: feature.name,
            type: reference.type,
            n: whole?.n ?? 0,
            psi: whole?.psi ?? null,
            test: whole?.test ?? (reference.type === "category" ? "chi_square" : "ks"),
            p_value: whole?.p_value ?? null,
            status: whole?.status ?? "insufficient_data",
            distribution: distribution(
              reference,
              whole,
              inputRows.map((row) => row.inputs[feature.name]),
            ),
            series: driftSeries.map(({ t, drift: bucket }) => {
              const entry = bucket.features[feature.name];
              return {
                t,
                n: entry?.n ?? 0,
                psi: entry?.psi ?? null,
                p_value: entry?.p_value ?? null,
                status: entry?.status ?? "insufficient_data",
              };
            }),
          },
        ];
      })
    : [];

  const defaultRows = inputRows.filter((row) => row.version === record.default);
  const prediction = manifest
    ? { ...predictionView(manifest, defaultRows, thresholds, start, bucketMs), version: record.default }
    : null;

  return {
    model: record.name,
    task: manifest?.task ?? null,
    range,
    start,
    end: input.end,
    bucket_ms: bucketMs,
    default_version: record.default,
    rows: { total: input.totalRows, analyzed: rows.length, sampled: input.totalRows > rows.length },
    ops: {
      total: opsPoint(start, total),
      series: [...buckets].map(([t, group]) => opsPoint(Number(t), opsMetrics(group))).sort(byTime),
    },
    drift: drift && {
      rows: drift.rows,
      drift_share: drift.drift_share,
      dataset_drift: drift.dataset_drift,
      bonferroni_alpha: drift.bonferroni_alpha,
      drifted_features: drift.drifted_features,
      features,
    },
    prediction,
    performance: manifest ? performanceView(manifest, defaultRows, start, bucketMs) : null,
    interval_coverage: manifest ? intervalCoverage(record.default, manifest, defaultRows) : null,
    ab: abView(manifest, rows, record, thresholds),
  };
}

const byTime = (a: Point, b: Point) => a.t - b.t;

/**
 * The default version's predictions against the reference its task names (numeric outputs, or the predicted
 * classes of a multiclass model), for the whole range and per bucket (a class model's bucket also carries
 * its class proportions: the class distribution over time).
 */
function predictionView(
  manifest: Manifest,
  rows: readonly WindowRow[],
  thresholds: MonitoringThresholds,
  start: number,
  bucketMs: number,
) {
  const reference = taskOf(manifest).predictionReference(manifest);
  const whole = versionPredictionDrift(manifest, rows, thresholds);
  const values =
    reference.type === "category"
      ? rows.flatMap((row) => (typeof row.label === "string" ? [row.label] : []))
      : rows.flatMap((row) => (row.output === null ? [] : [row.output]));
  const series = [...bucketsOf(rows, start, bucketMs)].map(([t, group]) => {
    const bucket = versionPredictionDrift(manifest, group, thresholds);
    return {
      t: Number(t),
      n: bucket.n,
      psi: bucket.psi,
      status: bucket.status,
      ...(bucket.proportions ? { proportions: bucket.proportions } : {}),
    };
  });
  series.sort(byTime);
  return {
    type: reference.type,
    n: whole.n,
    psi: whole.psi,
    test: whole.test,
    p_value: whole.p_value,
    status: whole.status,
    distribution: distribution(reference, whole, values),
    series,
  };
}

function performanceView(manifest: Manifest, rows: readonly WindowRow[], start: number, bucketMs: number) {
  const labelled = withFeedback(rows);
  if (labelled.length === 0) return null;
  const task = taskOf(manifest);
  const series = [...bucketsOf(labelled, start, bucketMs)].map(([t, group]) => ({
    t: Number(t),
    n: group.length,
    value: task.seriesValue(task.performance(manifest, group)),
  }));
  series.sort(byTime);
  return task.dashboardPanel(manifest, labelled, series);
}

function abView(
  manifest: Manifest | undefined,
  rows: readonly WindowRow[],
  record: ModelRecord,
  thresholds: MonitoringThresholds,
): {
  control: string | null;
  weights: Record<string, number>;
  arms: (ArmComparison & { ops: ReturnType<typeof opsPoint> })[];
} {
  const weights = record.traffic.weights;
  if (!manifest) return { control: null, weights, arms: [] };
  const comparison = compareArms(manifest, rows, record.default, thresholds.p_value);
  const abRows = groupBy(
    rows.filter((row) => row.route === "ab"),
    (row) => row.version,
  );
  return {
    control: comparison.control,
    weights,
    arms: comparison.arms.map((arm) => ({
      ...arm,
      ops: opsPoint(0, opsMetrics(abRows.get(arm.version) ?? [])),
    })),
  };
}
