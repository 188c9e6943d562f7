import { describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import { idCoverage } from "../worker/monitoring/drift/id-coverage.ts";
import { datasetDrift } from "../worker/monitoring/feature-drift.ts";
import { defaultThresholds } from "../worker/repository/default-thresholds.ts";
import { shippedVersion } from "./support/shipped-models.ts";

const thresholds = defaultThresholds("regression");
const { manifest: shipped } = shippedVersion("recommender", "v4_xgboost");
// The test world has its own reference and ids; the shipped importances (if trained with them) are not its.
const {
  feature_importance: _shippedImportance,
  id_reference: _shippedIds,
  ...shippedTraining
} = shipped.training;

/** A seeded world like the generator's: 100 users (age, gender) and 50 items (category, price), uniform events. */
function world(seed: number) {
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const users = Array.from({ length: 100 }, (_, i) => ({
    user_id: i + 1,
    user_age: 18 + Math.floor(random() * 53),
    user_gender: random() < 0.5 ? "M" : "F",
  }));
  const items = Array.from({ length: 50 }, (_, i) => ({
    item_id: i + 1,
    item_category: ["A", "B", "C"][Math.floor(random() * 3)] as string,
    item_price: 10 + Math.round(random() * 180) / 2,
  }));
  const rows = (n: number, userPool = users) =>
    Array.from({ length: n }, () => ({
      ...(userPool[Math.floor(random() * userPool.length)] as (typeof users)[number]),
      ...(items[Math.floor(random() * items.length)] as (typeof items)[number]),
    }));
  return { users, rows, random };
}

/** The manifest's reference rebuilt from 4,800 rows of the test world, with ids and optional importances. */
function manifestFor(reference: Record<string, unknown>[], importance?: Record<string, number>): Manifest {
  const counts = (name: string) => {
    const out: Record<string, number> = {};
    for (const row of reference) out[String(row[name])] = (out[String(row[name])] ?? 0) + 1;
    return out;
  };
  const proportions = (name: string) =>
    Object.fromEntries(Object.entries(counts(name)).map(([k, v]) => [k, v / reference.length]));
  const numeric = (name: string) => {
    const values = reference.map((row) => row[name] as number).sort((a, b) => a - b);
    const at = (q: number) => values[Math.min(values.length - 1, Math.floor(q * values.length))] as number;
    const quantiles = Array.from({ length: 101 }, (_, i) => at(i / 100));
    const edges = Array.from({ length: 9 }, (_, i) => at((i + 1) / 10));
    const bins = new Array<number>(10).fill(0);
    for (const v of values)
      bins[edges.filter((e) => e <= v).length] = (bins[edges.filter((e) => e <= v).length] ?? 0) + 1;
    const m = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
    return {
      type: "numeric" as const,
      bins: { edges, proportions: bins.map((b) => b / values.length) },
      quantiles,
      mean: m,
      std,
      min: values[0] as number,
      max: values.at(-1) as number,
    };
  };
  return {
    ...shipped,
    reference: {
      ...shipped.reference,
      rows: reference.length,
      features: {
        user_id: numeric("user_id"),
        item_id: numeric("item_id"),
        user_age: numeric("user_age"),
        item_price: numeric("item_price"),
        user_gender: { type: "category", proportions: proportions("user_gender") },
        item_category: { type: "category", proportions: proportions("item_category") },
      },
    },
    training: {
      ...shippedTraining,
      id_reference: { user_id: { counts: counts("user_id") }, item_id: { counts: counts("item_id") } },
      ...(importance ? { feature_importance: importance } : {}),
    },
  };
}

describe("drift on a common scale", () => {
  const { users, rows, random } = world(11);
  const manifest = manifestFor(rows(4800));

  it("judges ids as categories with coverage, and flags the loss of half the users", () => {
    const steady = datasetDrift(manifest, rows(5000), thresholds);
    expect(steady.drifted_features).toEqual([]);
    expect(steady.warned_features).toEqual([]);
    expect(steady.features.user_id).toMatchObject({ type: "category", test: "chi_square" });
    expect(steady.features.user_id?.id_coverage?.active_reference_share).toBeGreaterThan(0.98);
    const half = datasetDrift(manifest, rows(5000, users.slice(0, 50)), thresholds);
    expect(half.drifted_features).toContain("user_id");
    const coverage = half.features.user_id?.id_coverage;
    expect(coverage?.active_reference_share).toBeCloseTo(0.5, 2);
    expect(coverage?.seen_row_share).toBe(1);
    expect(coverage?.expected_active_reference_share).toBeGreaterThan(0.99);
  });

  it("removes PSI's no-drift expectation, and a trivial shift at 50,000 rows stays ok", () => {
    const window = rows(50_000).map((row) => ({ ...row, item_price: row.item_price + 1 }));
    const drift = datasetDrift(manifest, window, thresholds);
    expect(drift.warned_features).toEqual([]);
    expect(drift.drifted_features).toEqual([]);
    const price = drift.features.item_price;
    expect(price?.psi_adjusted).toBeLessThanOrEqual(price?.psi as number);
  });

  it("names a 10-point category shift, and a feature the model barely uses never drifts the model", () => {
    const shifted = rows(5000).map((row) =>
      row.user_gender === "F" && random() < 0.2 ? { ...row, user_gender: "M" } : row,
    );
    expect(datasetDrift(manifest, shifted, thresholds).warned_features).toEqual(["user_gender"]);
    const weighted = manifestFor(rows(4800), { user_id: 1, item_id: 1, user_gender: 0.02 });
    const drift = datasetDrift(weighted, shifted, thresholds);
    // Detection is on the unweighted size (named, info severity); the weight keeps it from the model's status.
    expect(drift.warned_features).toEqual(["user_gender"]);
    expect(drift.drifted_features).toEqual([]);
    expect(drift.features.user_gender?.weight).toBeCloseTo(0.02, 12);
    expect(drift.features.user_gender?.effect).toBeLessThan(0.02);
  });

  it("computes id coverage directly", () => {
    const coverage = idCoverage(
      new Map([
        ["1", 3],
        ["9", 1],
      ]),
      { counts: { "1": 10, "2": 10 } },
    );
    expect(coverage).toMatchObject({
      reference_ids: 2,
      active_ids: 2,
      seen_row_share: 0.75,
      active_reference_share: 0.5,
    });
    expect(coverage.expected_active_reference_share).toBeCloseTo(1 - 0.5 ** 4, 12);
  });
});
