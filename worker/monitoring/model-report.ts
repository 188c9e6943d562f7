import type { Manifest } from "../contracts/manifest.ts";
import { taskOf } from "../tasks/index.ts";
import { type BaselineSkill, baselineSkill } from "../tasks/metrics/baseline-skill.ts";
import { summaryCompareArms } from "./ab-comparison.ts";
import { type FeatureDrift, summaryDatasetDrift } from "./feature-drift.ts";
import { healthStatus } from "./health-status.ts";
import { coverageReasons, summaryIntervalCoverage } from "./interval-coverage.ts";
import { summaryOpsReport } from "./ops-metrics.ts";
import { labelledPerformance, type PerformanceMetrics } from "./performance.ts";
import { summaryPredictionDrift } from "./prediction-drift.ts";
import type { WindowRow } from "./store/window-reader.ts";
import type { KeyedSummary } from "./summary/fold.ts";
import { mergeCategory, mergeNumeric, mergeSummaries } from "./summary/merge.ts";
import type { FeatureSummary, Summary } from "./summary/summary.ts";
import type { MonitoringThresholds } from "./thresholds.ts";

/** 2: built from merged summaries (issue 9); 1 was built from (at most 50,000) raw rows. */
const REPORT_SCHEMA_VERSION = 2;

/** The parts of a registry record a report reads (structural: monitoring sits below the repository). */
interface ReportedModel {
  name: string;
  default: string;
  traffic: { weights: Record<string, number>; shadow: string[] };
  thresholds: MonitoringThresholds;
}

interface ReportInput {
  record: ReportedModel;
  /** Manifests by version: the default's and every version seen in the window that is still readable. */
  manifests: ReadonlyMap<string, Manifest>;
  /** The window's summaries, merged per key (store/summary-store.ts readSummaries). */
  summaries: readonly KeyedSummary[];
  /**
   * The bounded recent raw sample of the window (the D1 predictions table, issue 9): read only for the
   * regression baseline skill, which needs per-user and per-item means no summary keeps.
   */
  sample?: readonly WindowRow[];
  windowStart: number;
  windowEnd: number;
  generatedAt: number;
}

/** Served rows whose inputs are measured for drift: shadows repeat the inputs, recommended items are a ranked sample. */
const measuredForDrift = (route: string) => route !== "shadow" && route !== "recommend";

/**
 * The window's summaries merged per (version, route): one pass over the buckets, so the per-version views below
 * merge a handful of routes instead of every bucket again.
 */
function byVersionRoute(summaries: readonly KeyedSummary[]): KeyedSummary[] {
  const merged = new Map<string, KeyedSummary>();
  for (const entry of summaries) {
    const id = `${entry.key.version}\n${entry.key.route}`;
    const seen = merged.get(id);
    merged.set(id, seen ? { key: seen.key, summary: mergeSummaries(seen.summary, entry.summary) } : entry);
  }
  return [...merged.values()];
}

/** Merges the summaries per version (one version's summaries share its manifest, so they always merge). */
function byVersion(summaries: readonly KeyedSummary[], keep: (entry: KeyedSummary) => boolean) {
  const merged = new Map<string, Summary>();
  for (const entry of summaries) {
    if (!keep(entry)) continue;
    const seen = merged.get(entry.key.version);
    merged.set(entry.key.version, seen ? mergeSummaries(seen, entry.summary) : entry.summary);
  }
  return new Map([...merged].sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The input features of every version's served rows counted on the same reference as the default's (equal
 * edges digests; another version's features are counted on its own manifest and join only when identical).
 */
function defaultReferenceFeatures(
  versions: ReadonlyMap<string, Summary>,
  defaultVersion: string,
): Record<string, FeatureSummary> {
  const features: Record<string, FeatureSummary> = { ...(versions.get(defaultVersion)?.features ?? {}) };
  for (const [version, summary] of versions) {
    if (version === defaultVersion) continue;
    for (const [name, part] of Object.entries(summary.features ?? {})) {
      const seen = features[name];
      if (!seen || seen.edges_digest !== part.edges_digest) continue;
      if (seen.type === "numeric" && part.type === "numeric") features[name] = mergeNumeric(seen, part);
      else if (seen.type === "category" && part.type === "category")
        features[name] = mergeCategory(seen, part);
    }
  }
  return features;
}

/** Rows of the recent raw sample read for a regression version's baseline skill (a bounded read). */
export const SKILL_SAMPLE_ROWS = 2_000;

/** Baseline skill of a regression version from the recent raw sample's labelled rows (labelled as such). */
export function sampledSkill(
  sample: readonly WindowRow[],
  version: string,
): {
  baseline_skill: BaselineSkill | null;
  baseline_skill_sample: { source: "recent_sample"; rows: number };
} {
  const rows = sample.filter(
    (row) => row.version === version && row.route !== "shadow" && row.actual !== null && row.output !== null,
  );
  return {
    baseline_skill: baselineSkill(
      rows.map((row) => ({
        output: row.output as number,
        actual: row.actual as number,
        user: row.inputs.user_id,
        item: row.inputs.item_id,
      })),
    ),
    baseline_skill_sample: { source: "recent_sample", rows: rows.length },
  };
}

/**
 * The health report of one model over one window, from the window's merged summaries (no raw rows): a pure
 * function of the summaries, the registry record and the manifests, so a rerun over the same window yields the
 * same report (only `generated_at` differs). Every row of the window is counted (nothing sampled); its cost
 * grows with the window's buckets × keys, not with its rows. Input drift is measured on served rows against
 * the default version's reference; prediction drift per version (shadow included) against its own reference.
 */
export function buildModelReport(input: ReportInput) {
  const { record, manifests } = input;
  const summaries = byVersionRoute(input.summaries);
  const thresholds = record.thresholds;
  const defaultManifest = manifests.get(record.default);
  const ops = summaryOpsReport(summaries);
  const measured = byVersion(summaries, ({ key }) => measuredForDrift(key.route));
  const okRows = [...measured.values()].reduce((sum, summary) => sum + summary.n - summary.errors, 0);
  const drift = defaultManifest
    ? summaryDatasetDrift(
        defaultManifest,
        defaultReferenceFeatures(measured, record.default),
        okRows,
        thresholds,
      )
    : null;

  const predictionDriftByVersion: Record<string, FeatureDrift> = {};
  for (const [version, summary] of byVersion(summaries, ({ key }) => key.route !== "recommend")) {
    const manifest = manifests.get(version);
    if (manifest) predictionDriftByVersion[version] = summaryPredictionDrift(manifest, summary, thresholds);
  }
  const performanceByVersion: Record<string, PerformanceMetrics | null> = {};
  for (const [version, summary] of byVersion(summaries, ({ key }) => key.route !== "shadow")) {
    const manifest = manifests.get(version);
    if (!manifest) continue;
    const metrics = labelledPerformance(summary.labelled);
    performanceByVersion[version] =
      metrics && manifest.task === "regression" && input.sample
        ? { ...metrics, ...sampledSkill(input.sample, version) }
        : metrics;
  }
  const defaultPerformance = performanceByVersion[record.default] ?? null;
  const defaultMeasured = measured.get(record.default);
  const health = healthStatus(
    ops.total,
    defaultPerformance,
    drift,
    predictionDriftByVersion[record.default] ?? null,
    thresholds,
    defaultManifest && taskOf(defaultManifest),
  );
  // Live interval coverage of the default's served, labelled rows: a warning only when the bound excludes nominal − 5 pts.
  const coverage = defaultManifest
    ? summaryIntervalCoverage(record.default, defaultManifest, defaultMeasured?.labelled?.coverage)
    : null;
  const coverageWarnings =
    health.status === "no_data" ? [] : coverageReasons(coverage, thresholds.min_feedback);
  health.reasons.push(...coverageWarnings);
  if (coverageWarnings.length > 0 && health.status === "healthy") health.status = "warning";
  const rows = summaries.reduce((sum, entry) => sum + entry.summary.n, 0);
  const labelled = (summary: Summary | undefined) => summary?.labelled?.performance.n ?? 0;

  return {
    schema_version: REPORT_SCHEMA_VERSION,
    model: record.name,
    window: {
      start: input.windowStart,
      end: input.windowEnd,
      hours: (input.windowEnd - input.windowStart) / 3_600_000,
      start_iso: new Date(input.windowStart).toISOString(),
      end_iso: new Date(input.windowEnd).toISOString(),
    },
    generated_at: new Date(input.generatedAt).toISOString(),
    task: defaultManifest?.task ?? null,
    default_version: record.default,
    traffic: { weights: record.traffic.weights, shadow: record.traffic.shadow },
    thresholds,
    status: health.status,
    reasons: health.reasons,
    /** Every logged row of the window is in the summaries: nothing is sampled. */
    rows: {
      total: rows,
      analyzed: rows,
      sampled: false,
      source: "summaries" as const,
      keys: input.summaries.length,
    },
    ops,
    drift,
    prediction_drift: predictionDriftByVersion,
    performance: {
      version: record.default,
      feedback_count: labelled(defaultMeasured),
      default: defaultPerformance,
      by_version: performanceByVersion,
      feedback_count_total: [...measured.values()].reduce((sum, summary) => sum + labelled(summary), 0),
    },
    interval_coverage: coverage,
    ab: defaultManifest
      ? summaryCompareArms(defaultManifest, summaries, record.default, thresholds.p_value)
      : null,
  };
}

export type ModelReport = ReturnType<typeof buildModelReport>;
