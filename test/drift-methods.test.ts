import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import type { DriftFeatureKind } from "../worker/monitoring/drift/drift-method.ts";
import {
  defaultMethod,
  LARGE_REFERENCE_ROWS,
  resolveMethod,
} from "../worker/monitoring/drift/method-choice.ts";
import { DRIFT_METHOD_NAMES, driftMethod } from "../worker/monitoring/drift/registry.ts";
import { twoSampleChiSquare } from "../worker/monitoring/drift/two-sample-chi-square.ts";
import { datasetDrift } from "../worker/monitoring/feature-drift.ts";
import { versionPredictionDrift } from "../worker/monitoring/prediction-drift.ts";
import { ksAgainstReference } from "../worker/monitoring/stats/ks-test.ts";
import { binProportions, psi } from "../worker/monitoring/stats/psi.ts";
import { DEFAULT_DRIFT_RULE, defaultThresholds } from "../worker/repository/default-thresholds.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

const { call } = workerClient();
const thresholds = defaultThresholds("regression");
const levels = { psi_warn: 0.1, psi_drift: 0.25, p_value: 0.05 };

/** Deterministic rows drawn from the manifest's own reference (inverse CDF on the quantiles, category proportions). */
function referenceRows(manifest: Manifest, n: number, shift: Record<string, number> = {}) {
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  return Array.from({ length: n }, () => {
    const row: Record<string, unknown> = {};
    for (const feature of manifest.features) {
      const reference = manifest.reference.features[feature.name];
      if (!reference) continue;
      if (reference.type === "category") {
        const u = random();
        const entries = Object.entries(reference.proportions);
        let cumulative = 0;
        const drawn = entries.find(([, p]) => {
          cumulative += p;
          return u < cumulative;
        });
        row[feature.name] = (drawn ?? entries.at(-1))?.[0];
      } else {
        const position = random() * 100;
        const low = Math.floor(position);
        const q = reference.quantiles;
        const value =
          (q[low] as number) + ((q[low + 1] ?? (q[low] as number)) - (q[low] as number)) * (position - low);
        row[feature.name] =
          (feature.kind === "integer" ? Math.round(value) : value) + (shift[feature.name] ?? 0);
      }
    }
    return row;
  });
}

describe("drift method registry", () => {
  it("declares, for every method, a compute for each shape its kinds need and a threshold meaning", () => {
    expect(DRIFT_METHOD_NAMES).toEqual(["psi", "ks", "chi_square", "wasserstein", "jensen_shannon"]);
    for (const name of DRIFT_METHOD_NAMES) {
      const method = driftMethod(name);
      expect(method.name).toBe(name);
      if (method.kinds.includes("numeric")) expect(method.numeric).toBeTypeOf("function");
      if (method.kinds.includes("category")) expect(method.category).toBeTypeOf("function");
      expect(["p_value", "statistic"]).toContain(method.judges);
      expect(method.defaultThreshold(levels)).toBeGreaterThan(0);
      expect(method.needs.length).toBeGreaterThan(0);
    }
    expect(driftMethod("psi").defaultThreshold(levels)).toBe(0.25);
    expect(driftMethod("ks").defaultThreshold(levels)).toBe(0.05);
    expect(driftMethod("wasserstein").defaultThreshold(levels)).toBe(0.1);
    expect(driftMethod("jensen_shannon").defaultThreshold(levels)).toBe(0.1);
  });

  it("picks defaults by rule: KS / chi-square always, or Evidently's cut at 1,000 reference rows", () => {
    expect(DEFAULT_DRIFT_RULE).toBe("ks_chi_square");
    for (const rows of [LARGE_REFERENCE_ROWS, LARGE_REFERENCE_ROWS + 1, 4800]) {
      expect(defaultMethod("ks_chi_square", "numeric", rows)).toBe("ks");
      expect(defaultMethod("ks_chi_square", "category", rows)).toBe("chi_square");
    }
    expect(defaultMethod("reference_size", "numeric", LARGE_REFERENCE_ROWS)).toBe("ks");
    expect(defaultMethod("reference_size", "category", LARGE_REFERENCE_ROWS)).toBe("chi_square");
    expect(defaultMethod("reference_size", "numeric", LARGE_REFERENCE_ROWS + 1)).toBe("wasserstein");
    expect(defaultMethod("reference_size", "category", LARGE_REFERENCE_ROWS + 1)).toBe("jensen_shannon");
  });

  it("resolves a feature's own choice over its kind's, and falls back when a method cannot compute the shape", () => {
    const choices = {
      numeric: { method: "psi" as const, threshold: 0.2 },
      features: { item_price: { method: "wasserstein" as const } },
      prediction: { method: "chi_square" as const },
    };
    const resolve = (kind: DriftFeatureKind, shape: "numeric" | "category", name: string | null) =>
      resolveMethod(choices, kind, shape, name, 4800, levels);
    expect(resolve("numeric", "numeric", "item_price")).toMatchObject({
      name: "wasserstein",
      threshold: 0.1,
    });
    expect(resolve("numeric", "numeric", "user_age")).toMatchObject({ name: "psi", threshold: 0.2 });
    expect(resolve("category", "category", "item_category")).toMatchObject({
      name: "chi_square",
      threshold: 0.05,
    });
    // chi-square has no numeric compute: a numeric prediction reference keeps the default rule's KS
    expect(resolve("prediction", "numeric", null)).toMatchObject({ name: "ks" });
    expect(resolve("prediction", "category", null)).toMatchObject({ name: "chi_square" });
  });
});

describe("drift through the registry", () => {
  // The methods on numeric and category features: the shipped ids (training.id_reference) are judged as
  // categories, which test/drift-common-scale.test.ts covers.
  const shipped = shippedVersion("recommender", "v2_random_forest").manifest;
  const manifest: Manifest = { ...shipped, training: { ...shipped.training, id_reference: undefined } };
  const rows = referenceRows(manifest, 600);

  it("keeps KS / chi-square with PSI by default: the same numbers as the statistics called directly", () => {
    const drift = datasetDrift(manifest, rows, thresholds);
    const k = manifest.features.length;
    for (const feature of manifest.features) {
      const entry = drift.features[feature.name];
      const reference = manifest.reference.features[feature.name];
      if (!entry || !reference) throw new Error(`no drift for ${feature.name}`);
      if (reference.type === "numeric") {
        const values = rows.map((row) => row[feature.name] as number);
        const ks = ksAgainstReference(
          values,
          reference.quantiles,
          manifest.reference.rows,
          feature.kind === "integer",
        );
        expect(entry).toMatchObject({
          test: "ks",
          statistic: ks.statistic,
          p_value: ks.p_value,
          alpha: 0.05 / k,
        });
        expect(entry.psi).toBe(psi(reference.bins.proportions, binProportions(reference.bins.edges, values)));
      } else {
        const counts = new Map<string, number>();
        for (const row of rows)
          counts.set(String(row[feature.name]), (counts.get(String(row[feature.name])) ?? 0) + 1);
        // Two-sample since issue 12: the reference's own rows count (the one-sample fit treated them as exact).
        const chi = twoSampleChiSquare(counts, reference.proportions, manifest.reference.rows);
        expect(entry).toMatchObject({ test: "chi_square", statistic: chi.statistic, p_value: chi.p_value });
      }
      expect(entry.threshold).toBeUndefined();
    }
    const explicit = datasetDrift(manifest, rows, {
      ...thresholds,
      drift_methods: { numeric: { method: "ks" }, category: { method: "chi_square" } },
    });
    expect(explicit).toEqual(drift);
    expect(drift.drifted_features).toEqual([]);
  });

  it("names Wasserstein and Jensen–Shannon under Evidently's rule and judges them on their statistic", () => {
    const rule = { ...thresholds, drift_methods: { default_rule: "reference_size" as const } };
    const calm = datasetDrift(manifest, rows, rule);
    for (const feature of manifest.features) {
      const entry = calm.features[feature.name];
      expect(entry?.test).toBe(feature.kind === "category" ? "jensen_shannon" : "wasserstein");
      expect(entry).toMatchObject({ p_value: null, threshold: 0.1, significant: false, status: "ok" });
    }
    const shifted = datasetDrift(manifest, referenceRows(manifest, 600, { item_price: 25 }), rule);
    expect(shifted.drifted_features).toEqual(["item_price"]);
    expect(shifted.features.item_price?.statistic).toBeGreaterThan(0.1);
    expect(
      versionPredictionDrift(
        manifest,
        rows.map(() => ({ output: 3.5 })),
        rule,
      ).test,
    ).toBe("wasserstein");
  });

  it("lets one feature use PSI at its own threshold, the others keeping theirs", () => {
    const shiftedRows = referenceRows(manifest, 600, { item_price: 25 });
    const lenient = datasetDrift(manifest, shiftedRows, {
      ...thresholds,
      drift_methods: { features: { item_price: { method: "psi", threshold: 1e6 } } },
    });
    const entry = lenient.features.item_price;
    expect(entry).toMatchObject({ test: "psi", threshold: 1e6, significant: false, status: "warn" });
    expect(entry?.statistic).toBe(entry?.psi);
    expect(lenient.features.user_age?.test).toBe("ks");
  });
});

describe("PUT thresholds with drift methods", () => {
  beforeAll(async () => {
    await seedShippedModels(env, ["recommender"]);
  });

  const put = (body: unknown) => call("PUT", "/v1/admin/models/recommender/thresholds", body);
  const fields = async (response: Response) =>
    (await expectProblemJson<{ errors: { field: string; message: string }[] }>(response, 422)).errors;

  it("rejects unknown methods, a method that does not fit the kind, unknown features, and p-value levels ≥ 1", async () => {
    expect(
      (await fields(await put({ drift_methods: { numeric: { method: "energy" } } }))).map((e) => e.field),
    ).toEqual(["drift_methods.numeric.method"]);
    const misfit = await fields(await put({ drift_methods: { numeric: { method: "chi_square" } } }));
    expect(misfit).toEqual([
      {
        field: "drift_methods.numeric.method",
        message:
          "chi_square does not apply to numeric features; use one of psi, ks, wasserstein, jensen_shannon",
      },
    ]);
    expect(
      (await fields(await put({ drift_methods: { category: { method: "ks", threshold: 1.5 } } }))).map(
        (e) => e.field,
      ),
    ).toEqual(["drift_methods.category.method", "drift_methods.category.threshold"]);
    const perFeature = await fields(
      await put({
        drift_methods: { features: { item_category: { method: "wasserstein" }, nope: { method: "psi" } } },
      }),
    );
    expect(perFeature.map((e) => e.field)).toEqual([
      "drift_methods.features.item_category.method",
      "drift_methods.features.nope",
    ]);
    expect(
      (await fields(await put({ drift_methods: { default_rule: "evidently" } }))).map((e) => e.field),
    ).toEqual(["drift_methods.default_rule"]);
  });

  it("stores a valid choice and reports it in the thresholds", async () => {
    const drift_methods = {
      default_rule: "reference_size",
      category: { method: "chi_square", threshold: 0.01 },
      features: { item_price: { method: "psi", threshold: 0.3 } },
    };
    const response = await put({ drift_methods });
    expect(response.status).toBe(200);
    const view = (await response.json()) as { thresholds: { drift_methods: unknown; psi_drift: number } };
    expect(view.thresholds).toMatchObject({ drift_methods, psi_drift: 0.25 });
  });
});
