import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { feedbackKey } from "../worker/monitoring/store/feedback-store.ts";
import {
  calibrationBins,
  confusionAt,
  MAX_ROC_POINTS,
  rocCurve,
  thin,
} from "../worker/tasks/metrics/classification-curves.ts";
import { rocAuc } from "../worker/tasks/metrics/classification-metrics.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { replayRows, waitForLogged } from "./support/monitoring-helpers.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

const { get, post } = workerClient("https://edge.test");

/** Area under a polyline by the trapezoid rule: the ROC curve's area must be the rank-based AUC. */
const trapezoid = (points: { fpr: number; tpr: number }[]) =>
  points.slice(1).reduce((area, p, i) => {
    const q = points[i] as { fpr: number; tpr: number };
    return area + ((p.fpr - q.fpr) * (p.tpr + q.tpr)) / 2;
  }, 0);

describe("dashboard curves", () => {
  it("ROC: from (0,0) to (1,1), one point per distinct score, area = the Mann–Whitney AUC (ties too)", () => {
    const scores = [0.9, 0.8, 0.8, 0.7, 0.6, 0.6, 0.6, 0.4, 0.3, 0.1];
    const labels = [1, 1, 0, 1, 0, 1, 0, 0, 1, 0];
    const roc = rocCurve(scores, labels);
    expect(roc[0]).toMatchObject({ fpr: 0, tpr: 0 });
    expect(roc.at(-1)).toMatchObject({ fpr: 1, tpr: 1 });
    expect(roc).toHaveLength(new Set(scores).size + 1);
    expect(trapezoid(roc)).toBeCloseTo(rocAuc(scores, labels) ?? Number.NaN, 12);
    expect(rocCurve([0.2, 0.9], [1, 1])).toEqual([]);
  });

  it("calibration bins count every row once; confusion cells add up to n and match the accuracy", () => {
    const scores = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 1000) / 1000);
    const labels = scores.map((s, i) => (s + ((i * 31) % 17) / 40 > 0.6 ? 1 : 0));
    const bins = calibrationBins(scores, labels);
    expect(bins.reduce((n, bin) => n + bin.n, 0)).toBe(200);
    for (const bin of bins) {
      expect(bin.mean_predicted).toBeGreaterThanOrEqual(bin.lower);
      expect(bin.mean_predicted).toBeLessThan(bin.lower + 0.1 + 1e-12);
    }
    const matrix = confusionAt(scores, labels, 0.55);
    expect(matrix.tp + matrix.fp + matrix.tn + matrix.fn).toBe(200);
    const correct = scores.filter((s, i) => (s >= 0.55 ? 1 : 0) === labels[i]).length;
    expect(matrix.tp + matrix.tn).toBe(correct);
  });

  it("thin keeps the first and last item and at most the limit", () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const kept = thin(items, 101);
    expect(kept).toHaveLength(101);
    expect([kept[0], kept.at(-1)]).toEqual([0, 999]);
    expect(thin([1, 2, 3], 10)).toEqual([1, 2, 3]);
  });
});

interface Dashboard {
  model: string;
  bucket_ms: number;
  rows: { total: number; analyzed: number; sampled: boolean };
  ops: { total: { requests: number; errors: number }; series: { t: number; requests: number }[] };
  drift: {
    features: {
      name: string;
      n: number;
      distribution: { labels: string[]; reference: number[]; current: number[] };
    }[];
  };
  prediction: { n: number };
  performance: {
    kind: string;
    metrics: { n: number; auc: number; accuracy: number };
    roc: { fpr: number; tpr: number }[];
    confusion: { threshold: number; tp: number; fp: number; tn: number; fn: number };
  };
  ab: { arms: unknown[] };
}

describe("GET /v1/models/{model}/dashboard", () => {
  const scores: number[] = [];
  const labels: number[] = [];

  beforeAll(async () => {
    await seedShippedModels(env, ["kredipusula"]);
    const { rows, actuals } = replayRows("kredipusula", "201");
    const sent = rows.slice(0, 150);
    const response = await post("/v1/models/kredipusula/predict", { instances: sent });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { predictions: { id: string; probability: number }[] };
    expect(await waitForLogged(body.predictions.map((p) => p.id))).toBe(sent.length);
    const feedback = body.predictions
      .slice(0, 120)
      .map((p, i) => ({ prediction_id: p.id, actual: actuals[i] }));
    expect((await post("/v1/predictions/feedback", { feedback })).status).toBeLessThan(300);
    // labels are stored under their feedback key (a sealed id's MAC tail): joined here in JS, independently
    const logged = await env.DB.prepare(
      "SELECT id, output FROM predictions WHERE model = 'kredipusula'",
    ).all<{ id: string; output: number }>();
    const stored = await env.DB.prepare(
      "SELECT prediction_id, actual FROM feedback WHERE model = 'kredipusula'",
    ).all<{ prediction_id: string; actual: number }>();
    const actualOf = new Map(stored.results.map((row) => [row.prediction_id, row.actual]));
    for (const row of logged.results) {
      const actual = actualOf.get(feedbackKey(row.id));
      if (actual === undefined) continue;
      scores.push(row.output);
      labels.push(actual);
    }
  });

  it("draws the range from its summaries: ops, reference vs current per feature, ROC and confusion from labelled sums", async () => {
    const response = await get("/v1/models/kredipusula/dashboard?range=1h");
    expect(response.status).toBe(200);
    const data = (await response.json()) as Dashboard;
    expect(data.bucket_ms).toBe(5 * 60_000);
    expect(data.rows).toEqual({ total: 150, analyzed: 150, sampled: false });
    expect(data.ops.total).toMatchObject({ requests: 1, errors: 0 });
    expect(data.ops.series.reduce((n, bucket) => n + bucket.requests, 0)).toBe(1);

    const manifest = shippedVersion("kredipusula").manifest;
    expect(data.drift.features.map((f) => f.name)).toEqual(manifest.features.map((f) => f.name));
    for (const feature of data.drift.features) {
      const reference = manifest.reference.features[feature.name];
      expect(feature.n).toBe(150);
      if (reference?.type === "numeric")
        expect(feature.distribution.reference).toEqual(reference.bins.proportions);
      expect(feature.distribution.current).toHaveLength(feature.distribution.labels.length);
      expect(feature.distribution.current.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(data.prediction.n).toBe(150);

    expect(scores).toHaveLength(120);
    const performance = data.performance;
    expect(performance.kind).toBe("classification");
    expect(performance.metrics.n).toBe(120);
    // independent: pairwise AUC over the labelled rows read back from D1
    let wins = 0;
    let pairs = 0;
    scores.forEach((p, i) => {
      if (labels[i] !== 1) return;
      scores.forEach((q, j) => {
        if (labels[j] !== 0) return;
        pairs++;
        wins += p > q ? 1 : p === q ? 0.5 : 0;
      });
    });
    // the dashboard reads summaries: AUC from 0.01-wide score bins, off the exact AUC by at most the pairs
    // tied in a bin counted ½ (Σ_b pos_b·neg_b / 2PN), computed here from the scores read back
    const bin = (p: number) => Math.min(99, Math.floor(p * 100));
    const tied = new Map<number, [number, number]>();
    scores.forEach((p, i) => {
      const cell = tied.get(bin(p)) ?? [0, 0];
      cell[labels[i] === 1 ? 0 : 1] += 1;
      tied.set(bin(p), cell);
    });
    const bound = [...tied.values()].reduce((sum, [pos, neg]) => sum + pos * neg, 0) / (2 * pairs);
    expect(Math.abs(performance.metrics.auc - wins / pairs)).toBeLessThanOrEqual(bound + 1e-12);
    // the ROC is drawn at the bin edges (≤ MAX_ROC_POINTS): its area is the binned AUC
    expect(performance.roc.length).toBeLessThanOrEqual(MAX_ROC_POINTS);
    expect(trapezoid(performance.roc)).toBeCloseTo(performance.metrics.auc, 12);
    const threshold = manifest.output.threshold ?? 0.5;
    const { tp, fp, tn, fn } = performance.confusion;
    expect(performance.confusion.threshold).toBe(threshold);
    expect(tp + fp + tn + fn).toBe(120);
    expect(tp + fn).toBe(labels.filter((y) => y === 1).length);
    expect((tp + tn) / 120).toBeCloseTo(performance.metrics.accuracy, 12);
    expect(data.ab.arms).toEqual([]);
  });

  it("bounds its parameters: a range outside the enum is a 422 naming range; an unknown model a 404", async () => {
    const bad = await expectProblemJson<{ errors: { field: string }[] }>(
      await get("/v1/models/kredipusula/dashboard?range=90d"),
      422,
    );
    expect(bad.errors.map((e) => e.field)).toEqual(["range"]);
    await expectProblemJson(await get("/v1/models/no-such-model/dashboard"), 404);
  });

  it("is documented in the OpenAPI document with its response schema", async () => {
    const spec = (await (await get("/openapi.json")).json()) as {
      paths: Record<string, { get?: { parameters?: { name: string; schema: { enum?: string[] } }[] } }>;
      components: { schemas: Record<string, unknown> };
    };
    const operation = spec.paths["/v1/models/{model}/dashboard"]?.get;
    expect(operation?.parameters?.find((p) => p.name === "range")?.schema.enum).toEqual([
      "1h",
      "6h",
      "24h",
      "7d",
    ]);
    expect(spec.components.schemas).toHaveProperty("DashboardData");
  });
});
