import { describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { foldRecords, type KeyedSummary } from "../worker/monitoring/summary/fold.ts";
import { labelledDelta } from "../worker/monitoring/summary/labelled.ts";
import { latencySketchOf, sketchQuantile } from "../worker/monitoring/summary/latency-sketch.ts";
import { mergeAll, mergeLabelled, mergeSummaries, recentre } from "../worker/monitoring/summary/merge.ts";
import { parseSummary, serialiseSummary } from "../worker/monitoring/summary/serialise.ts";
import {
  FINE_BUCKET_MS,
  type NumericSummary,
  type RegressionLabelled,
  type Summary,
} from "../worker/monitoring/summary/summary.ts";
import { classificationMetrics } from "../worker/tasks/metrics/classification-metrics.ts";
import { multiclassMetrics } from "../worker/tasks/metrics/multiclass-metrics.ts";
import { regressionMetrics } from "../worker/tasks/metrics/regression-metrics.ts";
import { predictionRecord, replayRows } from "./support/monitoring-helpers.ts";
import { shippedVersion } from "./support/shipped-models.ts";

/** Deterministic pseudo-random numbers in [0, 1) (a small LCG: the test needs repeatable, not good, noise). */
function noise(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const T0 = Date.UTC(2026, 10, 20, 10, 0, 0);

/** Replay rows of the recommender as logged records: 3 routes, 4 buckets, colos, batch requests, errors. */
function recommenderRecords(manifest: Manifest): { records: PredictionRecord[]; actuals: number[] } {
  const random = noise(7);
  const records: PredictionRecord[] = [];
  const actuals: number[] = [];
  for (const seed of ["101", "102", "103", "104"]) {
    const { rows, actuals: truth } = replayRows("recommender", seed);
    rows.forEach((row, i) => {
      const index = records.length;
      const error = index % 97 === 13;
      records.push(
        predictionRecord(`r-${index}`, {
          ts: T0 + Math.floor(random() * 4 * FINE_BUCKET_MS),
          // batch requests: 1–3 rows share a request id
          request_id: `q-${Math.floor(index / (1 + (index % 3)))}`,
          model: manifest.model,
          version: manifest.version,
          route: (["default", "ab", "shadow"] as const)[index % 3] ?? "default",
          inputs: index % 41 === 5 ? { ...row, item_price: null } : row,
          output: error ? null : 1 + random() * 4,
          label: null,
          latency_ms: 0.5 + random() * 80,
          colo: index % 5 === 0 ? null : ((["FRA", "AMS", "IST"] as const)[index % 3] ?? "FRA"),
          status: error ? "error" : "ok",
          error: error ? "boom" : null,
        }),
      );
      actuals.push(truth[i] as number);
    });
  }
  return { records, actuals };
}

/** The manifest with a `training.id_reference` for user_id (what issue-12 training adds). */
function withIdReference(manifest: Manifest): Manifest {
  const counts = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [String(i + 1), 10 + i]));
  return {
    ...manifest,
    training: { ...manifest.training, id_reference: { user_id: { counts } } },
  } as Manifest;
}

/** #edges ≤ x, written independently of the fold (a linear scan). */
const binLinear = (edges: readonly number[], x: number) => edges.filter((edge) => edge <= x).length;

const total = (entries: Iterable<KeyedSummary>) =>
  mergeAll([...entries].map((entry) => entry.summary)) as Summary;

describe("foldRecords", () => {
  const manifest = withIdReference(shippedVersion("recommender").manifest);
  const { records } = recommenderRecords(manifest);
  const folded = foldRecords(records, (model, version) =>
    model === manifest.model && version === manifest.version ? manifest : undefined,
  );

  it("keys by (model, version, route, 5-min bucket) and counts every row once", () => {
    const keys = [...folded.values()].map((entry) => entry.key);
    expect(new Set(keys.map((key) => key.route))).toEqual(new Set(["default", "ab", "shadow"]));
    expect(new Set(keys.map((key) => key.bucket_start)).size).toBe(4);
    for (const { key, summary } of folded.values()) {
      const own = records.filter(
        (r) =>
          r.route === key.route && Math.floor(r.ts / FINE_BUCKET_MS) * FINE_BUCKET_MS === key.bucket_start,
      );
      expect(summary.n).toBe(own.length);
      expect(summary.errors).toBe(own.filter((r) => r.status === "error").length);
      const requests = new Map<string, { error: boolean; latency: number }>();
      for (const r of own) {
        const seen = requests.get(r.request_id) ?? { error: false, latency: 0 };
        requests.set(r.request_id, {
          error: seen.error || r.status === "error",
          latency: Math.max(seen.latency, r.latency_ms),
        });
      }
      expect(summary.requests).toBe(requests.size);
      expect(summary.request_errors).toBe([...requests.values()].filter((q) => q.error).length);
      expect(summary.latency?.count).toBe(requests.size);
      expect(summary.latency?.max).toBe(Math.max(...[...requests.values()].map((q) => q.latency)));
      for (const colo of ["FRA", "AMS", "IST"]) {
        expect(summary.colos?.[colo]?.n ?? 0).toBe(own.filter((r) => r.colo === colo).length);
      }
    }
  });

  it("counts features and predictions of ok rows exactly as direct counts over the same rows", () => {
    const all = total(folded.values());
    const ok = records.filter((r) => r.status === "ok");
    expect(all.n).toBe(records.length);
    for (const feature of manifest.features) {
      const reference = manifest.reference.features[feature.name];
      const summary = all.features?.[feature.name];
      const values = ok.map((r) => r.inputs[feature.name]);
      if (reference?.type === "numeric") {
        const numeric = summary as NumericSummary;
        const finite = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
        expect(numeric.n).toBe(finite.length);
        expect(numeric.missing).toBe(values.length - finite.length);
        const counts = new Array(reference.bins.edges.length + 1).fill(0);
        const quantileCounts = new Array(102).fill(0);
        for (const v of finite) {
          counts[binLinear(reference.bins.edges, v)] += 1;
          quantileCounts[binLinear(reference.quantiles, v)] += 1;
        }
        expect(numeric.counts).toEqual(counts);
        expect(numeric.quantile_counts).toEqual(quantileCounts);
        // the fold adds in record order, so the sums are the same floating-point sums
        expect(numeric.sum).toBe(finite.reduce((s, v) => s + v, 0));
        expect(numeric.sum_sq).toBe(finite.reduce((s, v) => s + v * v, 0));
        expect(numeric.min).toBe(Math.min(...finite));
        expect(numeric.max).toBe(Math.max(...finite));
      } else if (reference?.type === "category") {
        const categories = new Set(Object.keys(reference.proportions));
        const counted = summary as Extract<typeof summary, { type: "category" }>;
        const strings = values.filter((v) => typeof v === "string" || typeof v === "number").map(String);
        expect(counted.n).toBe(strings.length);
        expect(counted.unknown).toBe(strings.filter((v) => !categories.has(v)).length);
        for (const category of categories) {
          expect(counted.counts[category] ?? 0).toBe(strings.filter((v) => v === category).length);
        }
      }
    }
    const users = all.features?.user_id as NumericSummary;
    const referenceIds = new Set(Array.from({ length: 60 }, (_, i) => String(i + 1)));
    const ids = ok.map((r) => String(r.inputs.user_id));
    expect(users.ids?.unknown).toBe(ids.filter((id) => !referenceIds.has(id)).length);
    expect(users.ids?.counts["7"] ?? 0).toBe(ids.filter((id) => id === "7").length);
    const outputs = ok.map((r) => r.output as number);
    expect(all.prediction?.n).toBe(outputs.length);
    expect(all.prediction?.sum).toBeCloseTo(
      outputs.reduce((s, v) => s + v, 0),
      9,
    );
  });

  it("folds rows without a readable manifest as ops only", () => {
    const blind = total(foldRecords(records, () => undefined).values());
    expect(blind.n).toBe(records.length);
    expect(blind.features).toBeUndefined();
    expect(blind.unreferenced).toBe(records.filter((r) => r.status === "ok").length);
  });

  it("merges associatively and commutatively: any split and order gives the fold of all rows", () => {
    const lookup = () => manifest;
    const parts = [records.slice(0, 500), records.slice(500, 1300), records.slice(1300)];
    const [a, b, c] = parts.map((part) => total(foldRecords(part, lookup).values())) as [
      Summary,
      Summary,
      Summary,
    ];
    const whole = total(foldRecords(records, lookup).values());
    const left = mergeSummaries(mergeSummaries(a, b), c);
    const right = mergeSummaries(a, mergeSummaries(b, c));
    const swapped = mergeSummaries(c, mergeSummaries(b, a));
    for (const merged of [left, right, swapped]) {
      // counts are integers: exactly equal; sums agree to rounding
      expect(stripSums(merged)).toEqual(stripSums(whole));
      const price = (summary: Summary) => (summary.features?.item_price as NumericSummary | undefined)?.sum;
      expect(price(merged)).toBeCloseTo(price(whole) as number, 6);
    }
    // the fold does not modify its inputs
    expect(a.n + b.n + c.n).toBe(records.length);
  });

  it("round-trips through its stored JSON", () => {
    const all = total(folded.values());
    expect(parseSummary(serialiseSummary(all))).toEqual(all);
    expect(() => parseSummary('{"v":2,"n":1}')).toThrow(/version/);
    expect(() => parseSummary("not json")).toThrow(/JSON/);
  });
});

/** A summary with its floating sums removed (what must be bit-identical across merge orders). */
function stripSums(summary: Summary): unknown {
  return JSON.parse(
    JSON.stringify(summary, (key, value) => (["sum", "sum_sq"].includes(key) ? undefined : value)),
  );
}

describe("latency sketch", () => {
  const random = noise(11);
  const values = Array.from({ length: 20_000 }, () => Math.exp(random() * 7));

  it("reads quantiles within its 1 % relative accuracy", () => {
    const sketch = latencySketchOf(values);
    const sorted = [...values].sort((x, y) => x - y);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))] as number;
      const read = sketchQuantile(sketch, q) as number;
      expect(Math.abs(read - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-12);
    }
    expect(sketchQuantile(latencySketchOf([]), 0.5)).toBeNull();
  });

  it("merges exactly: the merge of two sketches is the sketch of the union", () => {
    const whole = latencySketchOf(values);
    const merged = mergeSummaries(
      {
        v: 1,
        n: 0,
        errors: 0,
        requests: 0,
        request_errors: 0,
        latency: latencySketchOf(values.slice(0, 7000)),
      },
      { v: 1, n: 0, errors: 0, requests: 0, request_errors: 0, latency: latencySketchOf(values.slice(7000)) },
    ).latency;
    expect(merged?.bins).toEqual(whole.bins);
    expect(merged?.count).toBe(whole.count);
    expect(merged?.min).toBe(whole.min);
    expect(merged?.max).toBe(whole.max);
    expect(sketchQuantile(merged as NonNullable<typeof merged>, 0.99)).toBe(sketchQuantile(whole, 0.99));
  });
});

describe("labelled sums", () => {
  const close = (actual: number, expected: number) =>
    expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

  it("regression: MAE, MSE, R² and the R² bound's moments from sums equal the row computation", () => {
    const manifest = shippedVersion("recommender").manifest;
    const { records, actuals } = recommenderRecords(manifest);
    const rows = records
      .map((record, i) => ({ output: record.output, actual: actuals[i] as number }))
      .filter((row): row is { output: number; actual: number } => row.output !== null);
    const sums = mergeAll(
      rows.map((row) => ({
        v: 1 as const,
        n: 0,
        errors: 0,
        requests: 0,
        request_errors: 0,
        labelled: labelledDelta(manifest, { output: row.output }, row.actual) ?? undefined,
      })),
    )?.labelled?.performance as RegressionLabelled;
    const direct = regressionMetrics(
      rows.map((row) => row.output),
      rows.map((row) => row.actual),
    );
    const n = sums.n;
    expect(n).toBe(rows.length);
    close(sums.sum_abs_e / n, direct?.mae as number);
    close(sums.sum_e2 / n, direct?.mse as number);
    const sst = sums.sum_y2 - sums.sum_y ** 2 / n;
    close(1 - sums.sum_e2 / sst, direct?.r2 as number);
    // Σ(y − ȳ)⁴ and Σ e²(y − ȳ)² from the power sums, against the rows
    const mean = rows.reduce((s, row) => s + row.actual, 0) / n;
    const ybar = sums.sum_y / n;
    const fourth = sums.sum_y4 - 4 * ybar * sums.sum_y3 + 6 * ybar ** 2 * sums.sum_y2 - 3 * n * ybar ** 4;
    close(
      fourth,
      rows.reduce((s, row) => s + (row.actual - mean) ** 4, 0),
    );
    const cross = sums.sum_e2_y2 - 2 * ybar * sums.sum_e2_y + ybar ** 2 * sums.sum_e2;
    close(
      cross,
      rows.reduce((s, row) => s + (row.output - row.actual) ** 2 * (row.actual - mean) ** 2, 0),
    );
    // re-centring to another shift is exact algebra: the centred moments do not move
    const moved = recentre(sums, sums.shift + 123.5);
    close(moved.sum_y2 - moved.sum_y ** 2 / n, sst);
  });

  it("binary: accuracy, Brier, log loss and confusion from sums equal classificationMetrics", () => {
    const manifest = shippedVersion("kredipusula").manifest;
    const random = noise(3);
    const rows = Array.from({ length: 900 }, () => {
      const p = random();
      return { p, y: random() < p ? 1 : 0 };
    });
    const labelled = rows
      .map((row) => labelledDelta(manifest, { output: row.p }, row.y))
      .reduce((a, b) => (a && b ? mergeLabelled(a, b) : (a ?? b)));
    const sums = labelled?.performance;
    if (sums?.task !== "binary_classification") throw new Error("binary sums expected");
    const threshold = manifest.output.threshold ?? 0.5;
    const direct = classificationMetrics(
      rows.map((row) => row.p),
      rows.map((row) => row.y),
      threshold,
    );
    expect(sums.n).toBe(900);
    expect(sums.positives).toBe(direct?.positives);
    close(sums.correct / sums.n, direct?.accuracy as number);
    close(sums.brier_sum / sums.n, direct?.brier as number);
    close(sums.log_loss_sum / sums.n, direct?.log_loss as number);
    const { tp, fp, tn, fn } = sums.confusion;
    expect(tp + fp + tn + fn).toBe(900);
    const positiveBins = Object.values(sums.scores.positive).reduce((s, v) => s + v, 0);
    expect(positiveBins).toBe(direct?.positives);
  });

  it("multiclass: accuracy, log loss, Brier, confusion and reliability from sums equal multiclassMetrics", () => {
    const manifest = shippedVersion("kredipusula_risk").manifest;
    const classes = manifest.output.classes ?? [];
    const random = noise(5);
    const rows = Array.from({ length: 600 }, () => {
      const raw = classes.map(() => random() + 0.05);
      const sum = raw.reduce((s, v) => s + v, 0);
      return { p: raw.map((v) => v / sum), y: Math.floor(random() * classes.length) };
    });
    const labelled = rows
      .map((row) => labelledDelta(manifest, { output: Math.max(...row.p), probabilities: row.p }, row.y))
      .reduce((a, b) => (a && b ? mergeLabelled(a, b) : (a ?? b)));
    const sums = labelled?.performance;
    if (sums?.task !== "multiclass_classification") throw new Error("multiclass sums expected");
    const direct = multiclassMetrics(
      rows.map((row) => row.p),
      rows.map((row) => row.y),
      classes,
    );
    close(sums.correct / sums.n, direct?.accuracy as number);
    close(sums.log_loss_sum / sums.n, direct?.log_loss as number);
    close(sums.brier_sum.reduce((s, v) => s + v, 0) / sums.n, direct?.brier as number);
    classes.forEach((name, k) => {
      const perClass = direct?.per_class[name];
      expect(sums.confusion[k]?.reduce((s, v) => s + v, 0)).toBe(perClass?.support);
      expect(sums.confusion.reduce((s, row) => s + (row[k] ?? 0), 0)).toBe(perClass?.predicted);
      let ece = 0;
      for (const [count, sumP, hits] of sums.reliability[k] ?? []) {
        if (count > 0) ece += (count / sums.n) * Math.abs(hits / count - sumP / count);
      }
      close(ece, perClass?.ece as number);
    });
  });

  it("a replaced label is exact: new + (−old) + old = new", () => {
    const manifest = shippedVersion("recommender").manifest;
    const facts = { output: 3.7, interval: { level: 0.9, lower: 2.9, upper: 4.4 } };
    const old = labelledDelta(manifest, facts, 5);
    const negated = labelledDelta(manifest, facts, 5, -1);
    const fresh = labelledDelta(manifest, facts, 4);
    if (!old || !negated || !fresh) throw new Error("deltas expected");
    const replaced = mergeLabelled(mergeLabelled(fresh, negated), old);
    const a = replaced.performance as RegressionLabelled;
    const b = fresh.performance as RegressionLabelled;
    expect(a.n).toBe(1);
    close(a.sum_e2, b.sum_e2);
    close(a.sum_y4, b.sum_y4);
    expect(replaced.coverage?.["0.9"]?.n[0]).toBe(1);
    expect(replaced.coverage?.["0.9"]?.covered[0]).toBe(fresh.coverage?.["0.9"]?.covered[0]);
  });
});
