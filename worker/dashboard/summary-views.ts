import type { ReferenceDistribution } from "../contracts/manifest.ts";
import type { KeyedSummary } from "../monitoring/summary/fold.ts";
import { sketchQuantile } from "../monitoring/summary/latency-sketch.ts";
import { mergeAll, mergeSketches } from "../monitoring/summary/merge.ts";
import type { FeatureSummary, LatencySketch, Summary } from "../monitoring/summary/summary.ts";

/** One point of the dashboard's ops series: per request, latency percentiles from the merged DDSketch (±1 %). */
export interface OpsPoint {
  t: number;
  requests: number;
  errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

/**
 * The ops point of some summaries: only their counts and latency sketches are added, so summaries of
 * different versions (whose feature parts may be on different references) combine.
 */
export function opsPoint(t: number, entries: readonly KeyedSummary[]): OpsPoint {
  let requests = 0;
  let errors = 0;
  let latency: LatencySketch | undefined;
  for (const { summary } of entries) {
    requests += summary.requests;
    errors += summary.request_errors;
    if (summary.latency) latency = latency ? mergeSketches(latency, summary.latency) : summary.latency;
  }
  return {
    t,
    requests,
    errors,
    error_rate: requests ? errors / requests : 0,
    p50_ms: latency ? sketchQuantile(latency, 0.5) : null,
    p95_ms: latency ? sketchQuantile(latency, 0.95) : null,
    p99_ms: latency ? sketchQuantile(latency, 0.99) : null,
  };
}

/** Logged rows of some summaries (all versions and routes). */
export const rowsOf = (entries: readonly KeyedSummary[]): number =>
  entries.reduce((total, { summary }) => total + summary.n, 0);

/** Summaries grouped by the output bucket (of `bucketMs`, aligned to `start`) holding their bucket's start. */
export function byBucket(
  summaries: readonly KeyedSummary[],
  start: number,
  bucketMs: number,
): Map<number, KeyedSummary[]> {
  const groups = new Map<number, KeyedSummary[]>();
  for (const entry of summaries) {
    const t = start + Math.floor((entry.key.bucket_start - start) / bucketMs) * bucketMs;
    const group = groups.get(t);
    if (group) group.push(entry);
    else groups.set(t, [entry]);
  }
  return new Map([...groups].sort(([a], [b]) => a - b));
}

/** The summaries of ONE version merged (every part: a version's references are the same in all its buckets). */
export const merged = (entries: readonly KeyedSummary[]): Summary | null =>
  mergeAll(entries.map((entry) => entry.summary));

/** Labels of a reference's bins: "< a", "a–b", "≥ z" (numeric) or its categories, sorted. */
function binLabels(reference: ReferenceDistribution): string[] {
  if (reference.type === "category") return Object.keys(reference.proportions).sort();
  const { edges, proportions } = reference.bins;
  const fmt = (x: number) => Number(x.toPrecision(4)).toString();
  return proportions.map((_, i) =>
    i === 0
      ? `< ${fmt(edges[0] as number)}`
      : i === edges.length
        ? `≥ ${fmt(edges[i - 1] as number)}`
        : `${fmt(edges[i - 1] as number)}–${fmt(edges[i] as number)}`,
  );
}

/**
 * The reference's proportions beside the window's, on the same bins, from the window's counts (exact:
 * the summary counts every value on the reference's own bins). Categories seen but not in the reference
 * are one more label, "(other)".
 */
export function distribution(reference: ReferenceDistribution, counted: FeatureSummary | undefined) {
  const labels = binLabels(reference);
  if (reference.type === "category") {
    const counts = counted?.type === "category" ? counted : undefined;
    const n = counts?.n ?? 0;
    const other = counts?.unknown ?? 0;
    const all = other > 0 ? [...labels, "(other)"] : labels;
    return {
      labels: all,
      reference: all.map((label) => reference.proportions[label] ?? 0),
      current: all.map((label) =>
        n === 0 ? 0 : (label === "(other)" ? other : (counts?.counts[label] ?? 0)) / n,
      ),
    };
  }
  const counts = counted?.type === "numeric" ? counted : undefined;
  const n = counts?.n ?? 0;
  return {
    labels,
    reference: [...reference.bins.proportions],
    current: reference.bins.proportions.map((_, i) => (n === 0 ? 0 : (counts?.counts[i] ?? 0) / n)),
  };
}
