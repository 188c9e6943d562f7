import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Manifest, manifestSchema } from "../worker/contracts/manifest.ts";
import { seedVersions } from "../worker/data-plane/seed-versions.ts";
import { conformalInterval, intervalGroup, lacSet } from "../worker/tasks/regression.ts";
import { workerClient } from "./support/http.ts";
import { RATING_SEED_REQUEST } from "./support/seed-requests.ts";
import { shippedDefaults, shippedVersion } from "./support/shipped-models.ts";

const { post } = workerClient();

/** A Mondrian block as edge_training writes it (numbers from a quick offline v4 run, rounded). */
const MONDRIAN = {
  groups: {
    by: "integer_distance" as const,
    edges: [0.0846, 0.1809, 0.2933, 0.3965],
    calibration_rows: [320, 320, 320, 319, 321],
    levels: [
      { coverage: 0.9, quantiles: [0.98, 0.889, 0.788, 0.688, 0.585] },
      { coverage: 0.95, quantiles: [1.027, 1.098, 0.813, 0.699, 0.596] },
    ],
  },
  prediction_sets: {
    method: "lac" as const,
    labels: [1, 2, 3, 4, 5],
    scale: 0.4834,
    levels: [
      { coverage: 0.9, thresholds: [0.895, 0.848, 0.779, 0.697, 0.595] },
      { coverage: 0.95, thresholds: [0.915, 0.938, 0.8, 0.7065, 0.603] },
    ],
  },
};

const shipped = shippedVersion("recommender", "v4_xgboost");
const mondrian: Manifest = manifestSchema.parse({
  ...shipped.manifest,
  intervals: { ...shipped.manifest.intervals, ...MONDRIAN },
});
/** v1 as shipped before issue 12: the marginal block only (the shipped v1 now carries the Mondrian block too). */
const oldBlock = withoutMondrian(shippedVersion("recommender", "v1_auto_select"));

function withoutMondrian<T extends { manifest: Manifest }>(version: T): T {
  const intervals = version.manifest.intervals;
  if (!intervals) return version;
  const { groups: _groups, prediction_sets: _sets, ...marginal } = intervals;
  return { ...version, manifest: manifestSchema.parse({ ...version.manifest, intervals: marginal }) };
}

beforeAll(async () => {
  await seedVersions(env, [{ manifest: mondrian, bytes: shipped.bytes }, oldBlock], shippedDefaults);
});

describe("Mondrian intervals", () => {
  it("the manifest schema keeps the old block valid and checks the new one's shape", () => {
    expect(oldBlock.manifest.intervals?.groups).toBeUndefined();
    const wrong = { ...MONDRIAN.groups, levels: [{ coverage: 0.9, quantiles: [1, 2] }] };
    const result = manifestSchema.safeParse({
      ...shipped.manifest,
      intervals: { ...shipped.manifest.intervals, groups: wrong },
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain("needs 5 entries");
  });

  it("picks the group from |ŷ − round(ŷ)| and answers its quantile and LAC set", () => {
    expect(intervalGroup(MONDRIAN.groups, 3.0)).toBe(0);
    expect(intervalGroup(MONDRIAN.groups, 3.1)).toBe(1);
    expect(intervalGroup(MONDRIAN.groups, 2.5)).toBe(4);
    expect(intervalGroup(MONDRIAN.groups, 4.2)).toBe(2);
    const near = conformalInterval(mondrian, 3.02, 0.9);
    expect(near).toMatchObject({ level: 0.9, group: 0, lower: 3.02 - 0.98, upper: 3.02 + 0.98 });
    const between = conformalInterval(mondrian, 3.5, 0.95);
    expect(between).toMatchObject({ group: 4, lower: 3.5 - 0.596, upper: 3.5 + 0.596, set: [3, 4] });
    expect(conformalInterval(mondrian, 7, 0.9)).toMatchObject({ group: 0, lower: 5 - 0.98, upper: 5 });
    expect(lacSet(MONDRIAN.prediction_sets, 3.02, 0.1)).toEqual([3]);
    expect(conformalInterval(mondrian, 3, 0.8)).toBeNull();
  });

  it("POST /predict answers the row's group interval and a prediction set; the old block still serves", async () => {
    const response = await post("/predict", { ...RATING_SEED_REQUEST, version_name: "v4_xgboost" });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      predicted_rating: number;
      confidence_interval: { level: number; lower: number; upper: number };
      prediction_set: number[];
    };
    expect(Object.keys(body.confidence_interval).sort()).toEqual(["level", "lower", "upper"]);
    const groups = MONDRIAN.groups;
    const group = intervalGroup(groups, body.predicted_rating);
    const q = groups.levels[0]?.quantiles[group] ?? Number.NaN;
    expect(body.confidence_interval.lower).toBeCloseTo(Math.max(1, body.predicted_rating - q), 3);
    expect(body.confidence_interval.upper).toBeCloseTo(Math.min(5, body.predicted_rating + q), 3);
    expect(body.prediction_set.length).toBeGreaterThan(0);
    expect(body.prediction_set.every((label) => [1, 2, 3, 4, 5].includes(label))).toBe(true);

    const old = await post("/predict", { ...RATING_SEED_REQUEST, version_name: "v1_auto_select" });
    expect(old.status).toBe(200);
    const oldBody = (await old.json()) as Record<string, unknown> & {
      predicted_rating: number;
      confidence_interval: { level: number; lower: number; upper: number };
    };
    expect(oldBody.prediction_set).toBeUndefined();
    const quantile = oldBlock.manifest.intervals?.levels[0]?.quantile ?? Number.NaN;
    expect(oldBody.confidence_interval.upper - oldBody.confidence_interval.lower).toBeLessThanOrEqual(
      2 * quantile + 1e-3,
    );
  });

  it("/v1 predict carries the group and the set inside the interval", async () => {
    const response = await post("/v1/models/recommender/predict", {
      inputs: RATING_SEED_REQUEST,
      version: "v4_xgboost",
      interval_level: 0.95,
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      predictions: { value: number; interval: { group: number; set: number[] } }[];
    };
    const [row] = body.predictions;
    expect(row?.interval.group).toBe(intervalGroup(MONDRIAN.groups, row?.value ?? Number.NaN));
    expect(row?.interval.set.length).toBeGreaterThan(0);
  });
});
