import { describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import { binaryClassification } from "../worker/tasks/binary-classification.ts";
import { aucBounds } from "../worker/tasks/metrics/auc-bounds.ts";
import { judgeMax, judgeMin } from "../worker/tasks/metrics/health-verdict.ts";
import { chiSquareQuantile, studentTQuantile } from "../worker/tasks/metrics/quantiles.ts";
import { r2Bounds, rmseBounds } from "../worker/tasks/metrics/regression-bounds.ts";
import { normalSf } from "../worker/tasks/metrics/special-functions.ts";
import { regression } from "../worker/tasks/regression.ts";

// The performance functions ignore the manifest.
const manifest = {} as Manifest;
const bars = { rmse_max: 1.0, r2_min: 0.6 };

describe("quantiles and bounds", () => {
  it("matches scipy's chi2.ppf and t.ppf", () => {
    expect(chiSquareQuantile(0.95, 30)).toBeCloseTo(43.772972, 5);
    expect(chiSquareQuantile(0.05, 30)).toBeCloseTo(18.492661, 5);
    expect(chiSquareQuantile(0.5, 1)).toBeCloseTo(0.454936, 5);
    expect(studentTQuantile(0.95, 29)).toBeCloseTo(1.699127, 5);
    expect(studentTQuantile(0.025, 10)).toBeCloseTo(-2.228139, 5);
  });

  it("bounds the RMSE by chi-square and brackets the point figure", () => {
    const bounds = rmseBounds(30, 1.0);
    expect(bounds?.lower).toBeCloseTo(Math.sqrt(30 / 43.772972), 5);
    expect(bounds?.upper).toBeCloseTo(Math.sqrt(30 / 18.492661), 5);
    expect(rmseBounds(9, 1.0)).toBeNull();
  });

  it("bounds R² around the point figure; null without variance or labels", () => {
    const actual = Array.from({ length: 40 }, (_, i) => 1 + (i % 5));
    const predicted = actual.map((y, i) => y + (i % 3) * 0.5 - 0.5);
    const bounds = r2Bounds(predicted, actual);
    const metrics = regression.performance(
      manifest,
      actual.map((y, i) => ({ output: predicted[i] as number, actual: y })),
    );
    expect(bounds?.lower).toBeLessThan(metrics?.r2 as number);
    expect(bounds?.upper).toBeGreaterThan(metrics?.r2 as number);
    expect(metrics?.r2_bounds).toEqual(bounds);
    expect(r2Bounds([1, 2, 3], [3, 3, 3])).toBeNull();
    expect(r2Bounds(Array(20).fill(3), Array(20).fill(3))).toBeNull();
  });

  it("fails a bar only when the bound excludes it", () => {
    const bounds = { lower: 0.9, upper: 1.3, confidence: 0.95 };
    expect(judgeMax(0.95, bounds, 1)).toBe("pass");
    expect(judgeMax(1.1, bounds, 1)).toBe("inconclusive");
    expect(judgeMax(1.1, { ...bounds, lower: 1.0 }, 1)).toBe("fail");
    expect(judgeMax(1.1, null, 1)).toBe("fail");
    expect(judgeMin(0.55, { lower: 0.3, upper: 0.7, confidence: 0.95 }, 0.6)).toBe("inconclusive");
    expect(judgeMin(0.4, { lower: 0.2, upper: 0.6, confidence: 0.95 }, 0.6)).toBe("fail");
    expect(judgeMin(null, null, 0.6)).toBe("fail");
  });
});

describe("skill against a user/item-mean baseline", () => {
  it("reports 1 − MSE/MSE(baseline) when the rows carry user_id and item_id, null otherwise", () => {
    const rows = Array.from({ length: 60 }, (_, i) => {
      const user = i % 6;
      const item = i % 5;
      const actual = 1 + ((user + item) % 5);
      return { output: actual + 0.1, actual, inputs: { user_id: user, item_id: item } };
    });
    const metrics = regression.performance(manifest, rows);
    expect(metrics?.baseline_skill?.baseline).toBe("loo_user_item_means");
    expect(metrics?.baseline_skill?.skill).toBeGreaterThan(0.9);
    const bare = regression.performance(
      manifest,
      rows.map(({ output, actual }) => ({ output, actual })),
    );
    expect(bare?.baseline_skill).toBeNull();
  });
});

describe("AUC bounds (Hanley–McNeil)", () => {
  it("matches the closed form and needs both classes", () => {
    const se = Math.sqrt((0.16 + 49 * (0.8 / 1.2 - 0.64) + 49 * ((2 * 0.64) / 1.8 - 0.64)) / 2500);
    const bounds = aucBounds(0.8, 50, 50);
    expect(bounds?.lower).toBeCloseTo(0.8 - 1.644854 * se, 5);
    expect(bounds?.upper).toBeCloseTo(0.8 + 1.644854 * se, 5);
    expect(aucBounds(0.8, 3, 50)).toBeNull();
    expect(aucBounds(null, 50, 50)).toBeNull();
  });

  it("fails auc_min only when the upper bound is below it", () => {
    const metrics = { n: 40, positives: 12, auc: 0.65, accuracy: 0.7, brier: 0.2, log_loss: 0.6 };
    const thin = binaryClassification.performanceReasons(metrics, { auc_min: 0.7 });
    expect(thin.map((reason) => [reason.severity, reason.code])).toEqual([
      ["info", "auc_below_min_inconclusive"],
    ]);
    const many = binaryClassification.performanceReasons(
      { ...metrics, n: 2000, positives: 600, auc: 0.6 },
      { auc_min: 0.7 },
    );
    expect(many.map((reason) => [reason.severity, reason.code])).toEqual([["critical", "auc_below_min"]]);
  });
});

// ---- Simulation: 30-label windows from the recommender generator ----
// A synthetic equivalent of scripts/training/edge_training/data.py `generate_recommender` (same structure
// and numbers: 100 users with bias ~ N(0, 0.5), 50 items with quality ~ N(0, 0.5), categories A/B/C, the
// category tastes, −0.02·(price − 55), noise N(0, 0.35), rating = clip(round(appeal), 1, 5)), drawn with a
// seeded JS generator instead of numpy's.

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normalOf(uniform: () => number) {
  return (sd: number) => sd * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

const NOISE = 0.35;

interface Rating {
  features: number[]; // user_id, item_id, age, male, A, B, price
  mean: number; // E[rating | user, item]: the Bayes predictor
  rating: number;
}

function recommenderDraws(n: number, seed: number): Rating[] {
  const world = mulberry32(7);
  const wNormal = normalOf(world);
  const users = Array.from({ length: 100 }, (_, i) => ({
    id: i + 1,
    age: 18 + Math.floor(world() * 53),
    male: world() < 0.5,
    bias: wNormal(0.5),
  }));
  const items = Array.from({ length: 50 }, (_, i) => ({
    id: i + 1,
    category: "ABC"[Math.floor(world() * 3)] as string,
    price: Math.round((10 + world() * 90) * 2) / 2,
    quality: wNormal(0.5),
  }));
  const draw = mulberry32(seed);
  const normal = normalOf(draw);
  return Array.from({ length: n }, () => {
    const user = users[Math.floor(draw() * 100)] as (typeof users)[number];
    const item = items[Math.floor(draw() * 50)] as (typeof items)[number];
    const taste =
      item.category === "A"
        ? 1.0 - 0.045 * (user.age - 18) + 0.4 * Number(user.male)
        : item.category === "B"
          ? 0.6 * Number(!user.male) - 0.2
          : -0.9 + 0.035 * (user.age - 18);
    const mu = 3.1 + user.bias + item.quality + taste - 0.02 * (item.price - 55);
    // E[clip(round(mu + ε), 1, 5)] for ε ~ N(0, NOISE).
    let mean = 0;
    for (let k = 1; k <= 5; k++) {
      const upper = k === 5 ? 1 : 1 - normalSf((k + 0.5 - mu) / NOISE);
      const lower = k === 1 ? 0 : 1 - normalSf((k - 0.5 - mu) / NOISE);
      mean += k * (upper - lower);
    }
    const rating = Math.min(5, Math.max(1, Math.round(mu + normal(NOISE))));
    const features = [
      user.id,
      item.id,
      user.age,
      Number(user.male),
      Number(item.category === "A"),
      Number(item.category === "B"),
      item.price,
    ];
    return { features, mean, rating };
  });
}

const meanOf = (values: readonly number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;

function r2Of(predicted: readonly number[], actual: readonly number[]) {
  const m = meanOf(actual);
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < actual.length; i++) {
    sse += ((predicted[i] as number) - (actual[i] as number)) ** 2;
    sst += ((actual[i] as number) - m) ** 2;
  }
  return 1 - sse / sst;
}

/** Ordinary least squares on the raw columns (the "linear on ids" model), by normal equations. */
function linearFit(rows: readonly Rating[]): (features: number[]) => number {
  const width = (rows[0]?.features.length ?? 0) + 1;
  const xtx = Array.from({ length: width }, () => new Array<number>(width).fill(0));
  const xty = new Array<number>(width).fill(0);
  for (const row of rows) {
    const x = [1, ...row.features];
    for (let i = 0; i < width; i++) {
      xty[i] = (xty[i] as number) + (x[i] as number) * row.rating;
      for (let j = 0; j < width; j++)
        (xtx[i] as number[])[j] = ((xtx[i] as number[])[j] as number) + (x[i] as number) * (x[j] as number);
    }
  }
  // Gauss–Jordan with partial pivoting.
  const a = xtx.map((r, i) => [...r, xty[i] as number]);
  for (let c = 0; c < width; c++) {
    let pivot = c;
    for (let r = c + 1; r < width; r++)
      if (Math.abs((a[r] as number[])[c] as number) > Math.abs((a[pivot] as number[])[c] as number))
        pivot = r;
    [a[c], a[pivot]] = [a[pivot] as number[], a[c] as number[]];
    const p = (a[c] as number[])[c] as number;
    for (let j = c; j <= width; j++) (a[c] as number[])[j] = ((a[c] as number[])[j] as number) / p;
    for (let r = 0; r < width; r++) {
      if (r === c) continue;
      const f = (a[r] as number[])[c] as number;
      for (let j = c; j <= width; j++)
        (a[r] as number[])[j] = ((a[r] as number[])[j] as number) - f * ((a[c] as number[])[j] as number);
    }
  }
  const beta = a.map((r) => r[width] as number);
  return (features) => [1, ...features].reduce((sum, x, i) => sum + x * (beta[i] as number), 0);
}

/** The c in m + c·(f − m) that gives R² = target on the rows (R² falls as c shrinks below 1). */
function shrinkTo(rows: readonly Rating[], target: number): number[] {
  const actual = rows.map((r) => r.rating);
  const m = meanOf(actual);
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 50; i++) {
    const c = (lo + hi) / 2;
    if (
      r2Of(
        rows.map((r) => m + c * (r.mean - m)),
        actual,
      ) < target
    )
      lo = c;
    else hi = c;
  }
  return rows.map((r) => m + ((lo + hi) / 2) * (r.mean - m));
}

/** The Bayes predictor plus N(0, s) noise, s chosen so that R² = target on the rows. */
function noisyTo(rows: readonly Rating[], target: number, seed: number): number[] {
  const actual = rows.map((r) => r.rating);
  const m = meanOf(actual);
  const sst = meanOf(actual.map((y) => (y - m) ** 2));
  const bayes = meanOf(rows.map((r) => (r.mean - r.rating) ** 2));
  const sd = Math.sqrt(Math.max(0, (1 - target) * sst - bayes));
  const normal = normalOf(mulberry32(seed));
  return rows.map((r) => r.mean + normal(sd));
}

function unhealthyShare(
  rows: readonly Rating[],
  predicted: readonly number[],
  windows: number,
  size: number,
  seed: number,
) {
  const pick = mulberry32(seed);
  let unhealthy = 0;
  let pointRule = 0;
  for (let w = 0; w < windows; w++) {
    const window = Array.from({ length: size }, () => {
      const i = Math.floor(pick() * rows.length);
      return { output: predicted[i] as number, actual: (rows[i] as Rating).rating };
    });
    const metrics = regression.performance(manifest, window);
    if (!metrics) continue;
    if (metrics.rmse >= bars.rmse_max || metrics.r2 === null || metrics.r2 <= bars.r2_min) pointRule++;
    if (regression.performanceReasons(metrics, bars).some((reason) => reason.severity === "critical"))
      unhealthy++;
  }
  console.log(`  point rule (seed): unhealthy ${((100 * pointRule) / windows).toFixed(1)} %`);
  return unhealthy / windows;
}

describe("health verdict on 30-label windows (recommender generator, synthetic equivalent)", () => {
  const rows = recommenderDraws(40_000, 11);
  const actual = rows.map((r) => r.rating);
  const WINDOWS = 2000;
  const SIZE = 30;

  it("the generator is the recommender's: Bayes R² near 0.8", () => {
    const bayes = r2Of(
      rows.map((r) => r.mean),
      actual,
    );
    console.log(`synthetic recommender: Bayes R² ${bayes.toFixed(3)}`);
    expect(bayes).toBeGreaterThan(0.75);
  });

  it("calls a model at the seed's bar (R² 0.6 in expectation) unhealthy in ≤ 10 % of windows", () => {
    for (const [name, predicted] of [
      ["bayes + noise", noisyTo(rows, 0.6, 3)],
      ["shrunk bayes", shrinkTo(rows, 0.6)],
    ] as const) {
      const share = unhealthyShare(rows, predicted, WINDOWS, SIZE, 5);
      const rmse = Math.sqrt(meanOf(predicted.map((p, i) => (p - (actual[i] as number)) ** 2)));
      console.log(
        `meeting (${name}): R² ${r2Of(predicted, actual).toFixed(3)} RMSE ${rmse.toFixed(3)} unhealthy ${(100 * share).toFixed(1)} %`,
      );
      expect(share).toBeLessThanOrEqual(0.1);
    }
  });

  it("catches a bad model (R² ≤ 0.3) in ≥ 95 % of windows: linear on ids, shrunk toward the mean", () => {
    const linear = linearFit(rows.slice(0, 20_000));
    for (const [name, predicted] of [
      ["linear on raw columns", rows.map((r) => linear(r.features))],
      ["shrunk bayes", shrinkTo(rows, 0.3)],
    ] as const) {
      const r2 = r2Of(predicted, actual);
      const share = unhealthyShare(rows, predicted, WINDOWS, SIZE, 6);
      console.log(`bad (${name}): R² ${r2.toFixed(3)} unhealthy ${(100 * share).toFixed(1)} %`);
      expect(r2).toBeLessThanOrEqual(0.3);
      expect(share).toBeGreaterThanOrEqual(0.95);
    }
  });

  it("documents the limit: a bad model whose error is pure noise is caught far less often at n = 30", () => {
    const predicted = noisyTo(rows, 0.3, 4);
    const share = unhealthyShare(rows, predicted, WINDOWS, SIZE, 7);
    console.log(
      `bad (bayes + noise, R² ${r2Of(predicted, actual).toFixed(3)}): unhealthy ${(100 * share).toFixed(1)} %`,
    );
    expect(share).toBeGreaterThan(0.3);
  });
});
