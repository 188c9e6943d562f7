import type { Manifest, ReferenceDistribution } from "../../worker/contracts/manifest.ts";
import type { PredictionRecord } from "../../worker/monitoring/prediction-record.ts";

/** Deterministic PRNG (mulberry32): the same seed gives the same simulated day. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DAY_MS = 86_400_000;
const COLOS = ["FRA", "AMS", "IAD", null] as const;
/** Shares of the simulated requests: failed ones, ones also scored by the shadow version, batch requests. */
export const ERROR_RATE = 0.004;
export const SHADOW_SHARE = 0.05;
export const BATCH_REQUEST_SHARE = 0.02;
export const BATCH_REQUEST_ROWS = 8;

/** Bin index of `x` for ascending interior cut points: #{edges ≤ x}, as worker/monitoring/stats/psi.ts. */
function binIndex(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((edges[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Exact counts of one feature (or the prediction) over every generated served row, on the reference bins. */
export interface ExactColumn {
  reference: ReferenceDistribution;
  counts: Map<string, number>;
  n: number;
  sum: number;
  sumSq: number;
}

/** Exact figures of the simulated day, accumulated row by row while the rows are generated (rows are not kept). */
export interface ExactDay {
  rows: number;
  servedRows: number;
  shadowRows: number;
  errors: number;
  requests: number;
  latencyMax: number;
  features: Map<string, ExactColumn>;
  /** Identifier features listed in the manifest's `training.id_reference`: counts per id (judged as categories). */
  ids: Map<string, ExactIds>;
  prediction: ExactColumn;
  /** Served rows of the default version per 5-min bucket start (for /traffic). */
  perBucket: Map<number, number>;
}

function column(reference: ReferenceDistribution): ExactColumn {
  return { reference, counts: new Map(), n: 0, sum: 0, sumSq: 0 };
}

function observe(target: ExactColumn, value: unknown): void {
  const { reference } = target;
  let slot: string;
  if (reference.type === "category") {
    slot = typeof value === "string" && value in reference.proportions ? value : "__unknown__";
  } else {
    if (typeof value !== "number" || !Number.isFinite(value)) return;
    slot = String(binIndex(reference.bins.edges, value));
    target.sum += value;
    target.sumSq += value * value;
  }
  target.n += 1;
  target.counts.set(slot, (target.counts.get(slot) ?? 0) + 1);
}

/** An id counts under String(value) when it is a finite number or a string (the value as the report keys it). */
function observeId(target: ExactIds, value: unknown): void {
  if (typeof value === "number" ? !Number.isFinite(value) : typeof value !== "string") return;
  const id = String(value);
  target.n += 1;
  target.counts.set(id, (target.counts.get(id) ?? 0) + 1);
}

/** Proportions per reference slot (numeric: bins in order; category: the reference's categories in order). */
export function proportionsOf(target: ExactColumn): number[] {
  const { reference } = target;
  const slots =
    reference.type === "category"
      ? Object.keys(reference.proportions)
      : reference.bins.proportions.map((_, index) => String(index));
  return slots.map((slot) => (target.n ? (target.counts.get(slot) ?? 0) / target.n : 0));
}

/** Exact counts of an identifier feature per id (String of the value), beside its reference rows per id. */
export interface ExactIds {
  reference: Readonly<Record<string, number>>;
  counts: Map<string, number>;
  n: number;
}

/** Proportions under PSI_FLOOR are floored, as every PSI here (an empty bin gives a finite term). */
const PSI_FLOOR = 1e-4;

/**
 * PSI of a category-like column computed here from its counts, independently of worker/monitoring: one
 * bucket per reference value (expected share max(p, 0.5/N), N the reference rows) plus one pooled bucket
 * for values outside the reference (expected 0.5/N) when there are any, expected shares renormalised to 1;
 * observed share = count / n; both floored at 1e-4. Also the bias-corrected PSI, PSI − (k − 1)(1/n + 1/N)
 * floored at 0, k the buckets compared.
 */
export function pooledPsi(
  proportions: Readonly<Record<string, number>>,
  counts: ReadonlyMap<string, number>,
  referenceRows: number,
): { psi: number; adjusted: number; buckets: number; n: number } {
  const floor = 0.5 / Math.max(referenceRows, 1);
  let n = 0;
  let unseen = 0;
  for (const [value, count] of counts) {
    n += count;
    if (!Object.hasOwn(proportions, value)) unseen += count;
  }
  const slots = Object.entries(proportions).map(([value, p]) => ({
    p: Math.max(p, floor),
    observed: counts.get(value) ?? 0,
  }));
  if (unseen > 0) slots.push({ p: floor, observed: unseen });
  let total = 0;
  for (const slot of slots) total += slot.p;
  let value = 0;
  for (const slot of slots) {
    const expected = Math.max(slot.p / total, PSI_FLOOR);
    const actual = Math.max(n ? slot.observed / n : 0, PSI_FLOOR);
    value += (actual - expected) * Math.log(actual / expected);
  }
  const k = slots.length;
  const expectation = k < 2 || n <= 0 ? 0 : (k - 1) * (1 / n + (referenceRows > 0 ? 1 / referenceRows : 0));
  return { psi: value, adjusted: Math.max(0, value - expectation), buckets: k, n };
}

/** PSI Σ (a − e)·ln(a / e) over matching bins, each share floored at 1e-4. */
export function flooredPsi(expected: readonly number[], actual: readonly number[]): number {
  let value = 0;
  expected.forEach((share, index) => {
    const e = Math.max(share, PSI_FLOOR);
    const a = Math.max(actual[index] ?? 0, PSI_FLOOR);
    value += (a - e) * Math.log(a / e);
  });
  return value;
}

/** `pooledPsi` of an identifier feature: reference shares = rows per id / all reference rows. */
export function idPsi(target: ExactIds) {
  let referenceRows = 0;
  for (const count of Object.values(target.reference)) referenceRows += count;
  const proportions = Object.fromEntries(
    Object.entries(target.reference).map(([id, count]) => [id, count / (referenceRows || 1)]),
  );
  return pooledPsi(proportions, target.counts, referenceRows);
}

/** Exact regression figures of the labelled served rows (e = logged output − actual), in plain sums. */
export interface ExactLabels {
  n: number;
  sumE: number;
  sumAbsE: number;
  sumE2: number;
  sumY: number;
  sumY2: number;
}

export const emptyLabels = (): ExactLabels => ({ n: 0, sumE: 0, sumAbsE: 0, sumE2: 0, sumY: 0, sumY2: 0 });

export function addLabel(exact: ExactLabels, output: number, actual: number): void {
  const e = output - actual;
  exact.n += 1;
  exact.sumE += e;
  exact.sumAbsE += Math.abs(e);
  exact.sumE2 += e * e;
  exact.sumY += actual;
  exact.sumY2 += actual * actual;
}

/** RMSE, MAE and R² of the labelled rows, from a two-pass-free but exact-enough computation in doubles. */
export function labelFigures(exact: ExactLabels) {
  const mse = exact.sumE2 / exact.n;
  const mean = exact.sumY / exact.n;
  const sst = exact.sumY2 - exact.sumY * mean;
  return { n: exact.n, rmse: Math.sqrt(mse), mae: exact.sumAbsE / exact.n, mse, r2: 1 - exact.sumE2 / sst };
}

export function emptyExactDay(manifest: Manifest): ExactDay {
  const features = new Map<string, ExactColumn>();
  for (const feature of manifest.features) {
    const reference = manifest.reference.features[feature.name];
    if (reference) features.set(feature.name, column(reference));
  }
  const ids = new Map<string, ExactIds>();
  for (const [name, reference] of Object.entries(manifest.training.id_reference ?? {}))
    ids.set(name, { reference: reference.counts, counts: new Map(), n: 0 });
  return {
    rows: 0,
    servedRows: 0,
    shadowRows: 0,
    errors: 0,
    requests: 0,
    latencyMax: 0,
    features,
    ids,
    prediction: column(manifest.reference.prediction),
    perBucket: new Map(),
  };
}

/** A plausible input row for the recommender's schema, with a slow drift of the price over the day. */
function inputsFor(manifest: Manifest, random: () => number, dayFraction: number): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const feature of manifest.features) {
    if (feature.kind === "category") {
      const values = feature.values ?? [];
      inputs[feature.name] = values[Math.floor(random() * values.length)] ?? null;
    } else {
      const min = feature.min ?? 0;
      const max = feature.max ?? 100;
      const raw = min + random() * (max - min);
      const drifted = feature.name === "item_price" ? raw * (1 + 0.3 * dayFraction) : raw;
      inputs[feature.name] =
        feature.kind === "integer" ? Math.round(drifted) : Math.round(drifted * 100) / 100;
    }
  }
  return inputs;
}

/**
 * Generates the records of `count` requests (indexes `from` … `from + count - 1` of `total`) for one model,
 * spread evenly over the 24 h ending at `end`, oldest first as a queue would deliver them, and adds them to
 * `exact`. A request scores one row, or a batch of rows for a share of requests; all rows of a request share
 * its id, status and latency. A share of requests is also scored by the shadow version (same inputs, route
 * "shadow"), as the serving path logs it. Returns the records grouped per request.
 */
export function generateRequests(
  manifest: Manifest,
  shadowVersion: string,
  from: number,
  count: number,
  total: number,
  end: number,
  random: () => number,
  exact: ExactDay,
): PredictionRecord[][] {
  const start = end - DAY_MS;
  const requests: PredictionRecord[][] = [];
  for (let index = from; index < from + count; index += 1) {
    const ts = start + Math.floor(((index + random()) * DAY_MS) / total);
    const rows = random() < BATCH_REQUEST_SHARE ? BATCH_REQUEST_ROWS : 1;
    const failed = random() < ERROR_RATE;
    const shadowed = random() < SHADOW_SHARE;
    const latency = Math.round((2 + random() * 6 + (random() < 0.01 ? 50 : 0)) * 100) / 100;
    const colo = COLOS[Math.floor(random() * COLOS.length)] ?? null;
    const bucket = Math.floor(ts / 300_000) * 300_000;
    exact.requests += 1;
    exact.latencyMax = Math.max(exact.latencyMax, latency);
    if (failed) exact.errors += 1;
    const records: PredictionRecord[] = [];
    for (let row = 0; row < rows; row += 1) {
      const inputs = inputsFor(manifest, random, (ts - start) / DAY_MS);
      const output = failed ? null : Math.round((1.5 + random() * 3.5) * 1e6) / 1e6;
      const base: PredictionRecord = {
        id: `p-${index}-${row}`,
        ts,
        request_id: `req-${index}`,
        model: manifest.model,
        version: manifest.version,
        route: "default",
        subject_hash: null,
        inputs,
        output,
        label: null,
        interval: null,
        latency_ms: latency,
        colo,
        country: null,
        key_id: "bench",
        status: failed ? "error" : "ok",
        error: failed ? "bench: simulated failure" : null,
      };
      records.push(base);
      exact.rows += 1;
      exact.servedRows += 1;
      exact.perBucket.set(bucket, (exact.perBucket.get(bucket) ?? 0) + 1);
      if (!failed) {
        for (const [name, target] of exact.features) observe(target, inputs[name]);
        for (const [name, target] of exact.ids) observeId(target, inputs[name]);
        observe(exact.prediction, output);
      }
      if (shadowed) {
        const shadowOutput = failed ? null : Math.round((1.5 + random() * 3.5) * 1e6) / 1e6;
        records.push({
          ...base,
          id: `s-${index}-${row}`,
          version: shadowVersion,
          route: "shadow",
          output: shadowOutput,
        });
        exact.rows += 1;
        exact.shadowRows += 1;
      }
    }
    requests.push(records);
  }
  return requests;
}
