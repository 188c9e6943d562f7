import type { Manifest } from "../../contracts/manifest.ts";
import type { PredictionRecord } from "../prediction-record.ts";
import { binOf } from "./bins.ts";
import { type FeaturePlan, type FoldPlan, foldPlan, type NumericPlan } from "./fold-plan.ts";
import { latencySketchOf } from "./latency-sketch.ts";
import {
  bucketStart,
  type CategorySummary,
  emptySummary,
  type FeatureSummary,
  FINE_BUCKET_MS,
  type NumericSummary,
  type Summary,
  type SummaryKey,
  summaryKeyId,
} from "./summary.ts";

/** The manifest of a (model, version), or undefined when it could not be read (the record then folds without it). */
type ManifestLookup = (model: string, version: string) => Manifest | undefined;

/** A summary with its key (the map key of `foldRecords` is `summaryKeyId(key)`). */
export interface KeyedSummary {
  key: SummaryKey;
  summary: Summary;
}

const emptyNumeric = (plan: NumericPlan, withIds: boolean): NumericSummary => ({
  type: "numeric",
  edges_digest: plan.digest,
  n: 0,
  counts: new Array<number>(plan.edges.length + 1).fill(0),
  quantile_counts: new Array<number>(plan.quantiles.length + 1).fill(0),
  missing: 0,
  sum: 0,
  sum_sq: 0,
  min: null,
  max: null,
  ...(withIds ? { ids: { counts: {}, unknown: 0 } } : {}),
});

const emptyCategory = (digest: string): CategorySummary => ({
  type: "category",
  edges_digest: digest,
  n: 0,
  counts: {},
  unknown: 0,
  missing: 0,
});

/** Counts a finite number (or a missing value) into a numeric summary. */
function addNumeric(summary: NumericSummary, plan: NumericPlan, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    summary.missing += 1;
    return;
  }
  summary.n += 1;
  const bin = binOf(plan.edges, value);
  summary.counts[bin] = (summary.counts[bin] as number) + 1;
  const q = binOf(plan.quantiles, value);
  summary.quantile_counts[q] = (summary.quantile_counts[q] as number) + 1;
  summary.sum += value;
  summary.sum_sq += value * value;
  summary.min = summary.min === null ? value : Math.min(summary.min, value);
  summary.max = summary.max === null ? value : Math.max(summary.max, value);
}

/** Counts a category value (string or number, read as its string) against the reference categories. */
function addCategory(summary: CategorySummary, categories: ReadonlySet<string>, value: unknown): void {
  if (typeof value !== "string" && typeof value !== "number") {
    summary.missing += 1;
    return;
  }
  summary.n += 1;
  const key = String(value);
  if (categories.has(key)) summary.counts[key] = (summary.counts[key] ?? 0) + 1;
  else summary.unknown += 1;
}

function addFeature(features: Record<string, FeatureSummary>, plan: FeaturePlan, value: unknown): void {
  if (plan.kind === "category") {
    const summary = (features[plan.name] ?? emptyCategory(plan.categoryDigest ?? "")) as CategorySummary;
    features[plan.name] = summary;
    addCategory(summary, plan.categories ?? new Set(), value);
    return;
  }
  const numeric = plan.numeric as NumericPlan;
  const summary = (features[plan.name] ?? emptyNumeric(numeric, plan.ids !== undefined)) as NumericSummary;
  features[plan.name] = summary;
  addNumeric(summary, numeric, value);
  if (plan.ids && summary.ids && (typeof value === "number" || typeof value === "string")) {
    const id = String(value);
    if (plan.ids.has(id)) summary.ids.counts[id] = (summary.ids.counts[id] ?? 0) + 1;
    else summary.ids.unknown += 1;
  }
}

/** An ok row's inputs and outputs, on its version's references. */
function addReferenced(summary: Summary, plan: FoldPlan, record: PredictionRecord): void {
  const features = summary.features ?? {};
  summary.features = features;
  for (const feature of plan.features) addFeature(features, feature, record.inputs[feature.name]);
  summary.prediction ??= emptyNumeric(plan.prediction, false);
  addNumeric(summary.prediction, plan.prediction, record.output);
  if (plan.classes) {
    summary.prediction_classes ??= emptyCategory(plan.classes.digest);
    addCategory(summary.prediction_classes, plan.classes.set, record.label ?? undefined);
  }
}

interface RequestTally {
  error: boolean;
  latency: number;
  colo: string | null;
}

/**
 * Folds records into one summary per key (model, version, route, bucket of `bucketMs` containing `ts`).
 * Features and the prediction are counted for rows with status "ok", on the serving version's manifest
 * (`manifests(model, version)`); ids per its `training.id_reference`. Requests (and their latency, the max
 * over their rows, and their colo, the first row's) are counted once per distinct request id and key among
 * these records. Pure.
 */
export function foldRecords(
  records: readonly PredictionRecord[],
  manifests: ManifestLookup,
  bucketMs: number = FINE_BUCKET_MS,
): Map<string, KeyedSummary> {
  const out = new Map<string, KeyedSummary>();
  const requests = new Map<string, Map<string, RequestTally>>();
  const planCache = new Map<string, FoldPlan | null>();
  for (const record of records) {
    const key: SummaryKey = {
      model: record.model,
      version: record.version,
      route: record.route,
      bucket_start: bucketStart(record.ts, bucketMs),
      bucket_ms: bucketMs,
    };
    const id = summaryKeyId(key);
    let entry = out.get(id);
    if (!entry) {
      entry = { key, summary: emptySummary() };
      out.set(id, entry);
      requests.set(id, new Map());
    }
    const { summary } = entry;
    const error = record.status === "error";
    summary.n += 1;
    if (error) summary.errors += 1;
    if (record.colo) {
      const colos = summary.colos ?? {};
      summary.colos = colos;
      const colo = colos[record.colo] ?? { n: 0, errors: 0, requests: 0, request_errors: 0 };
      colos[record.colo] = colo;
      colo.n += 1;
      if (error) colo.errors += 1;
    }
    const tallies = requests.get(id) as Map<string, RequestTally>;
    const seen = tallies.get(record.request_id);
    if (seen) {
      seen.error ||= error;
      seen.latency = Math.max(seen.latency, record.latency_ms);
    } else tallies.set(record.request_id, { error, latency: record.latency_ms, colo: record.colo });
    if (record.status !== "ok") continue;
    const versionId = `${record.model}\n${record.version}`;
    let plan = planCache.get(versionId);
    if (plan === undefined) {
      const manifest = manifests(record.model, record.version);
      plan = manifest ? foldPlan(manifest) : null;
      planCache.set(versionId, plan);
    }
    if (plan) addReferenced(summary, plan, record);
    else summary.unreferenced = (summary.unreferenced ?? 0) + 1;
  }
  for (const [id, { summary }] of out) {
    const tallies = [...(requests.get(id) as Map<string, RequestTally>).values()];
    summary.requests = tallies.length;
    summary.request_errors = tallies.filter((tally) => tally.error).length;
    summary.latency = latencySketchOf(tallies.map((tally) => tally.latency));
    for (const tally of tallies) {
      const colo = tally.colo ? summary.colos?.[tally.colo] : undefined;
      if (!colo) continue;
      colo.requests += 1;
      if (tally.error) colo.request_errors += 1;
    }
  }
  return out;
}
