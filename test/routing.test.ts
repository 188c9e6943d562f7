import { describe, expect, it } from "vitest";
import { chooseVersion, pickByWeight, stableUnit } from "../worker/repository/choose-version.ts";
import { defaultThresholds } from "../worker/repository/default-thresholds.ts";
import type { ModelRecord } from "../worker/repository/registry-types.ts";

const version = (status: "active" | "archived" = "active") => ({
  status,
  sha256: "0".repeat(64),
  bytes: 1,
  published_at: "2026-01-01T00:00:00Z",
});

function record(weights: Record<string, number> = {}): ModelRecord {
  return {
    name: "m",
    default: "v1",
    versions: { v1: version(), v2: version(), v3: version("archived") },
    traffic: { weights, shadow: [], salt: "salt", effective_at: "" },
    thresholds: defaultThresholds("regression"),
    revision: 1,
    updated_at: "",
  };
}

describe("chooseVersion", () => {
  it("serves an explicit version over weights and the default", async () => {
    await expect(
      chooseVersion(record({ v1: 0.5, v2: 0.5 }), { explicitVersion: "v2", subject: "u" }),
    ).resolves.toEqual({
      version: "v2",
      route: "explicit",
    });
  });

  it("refuses unknown and archived explicit versions with 404 and 409", async () => {
    await expect(chooseVersion(record(), { explicitVersion: "nope", subject: null })).rejects.toMatchObject({
      problem: { status: 404, slug: "version-not-found" },
    });
    await expect(chooseVersion(record(), { explicitVersion: "v3", subject: null })).rejects.toMatchObject({
      problem: { status: 409, slug: "version-archived" },
    });
  });

  it("serves the default when no split is configured or the caller pins it", async () => {
    await expect(chooseVersion(record(), { subject: "u" })).resolves.toEqual({
      version: "v1",
      route: "default",
    });
    await expect(chooseVersion(record({ v1: 0.5, v2: 0.5 }), { ab: false, subject: "u" })).resolves.toEqual({
      version: "v1",
      route: "default",
    });
  });

  it("keeps a subject on one arm and splits subjects close to the weights", async () => {
    const split = record({ v1: 0.9, v2: 0.1 });
    const first = await chooseVersion(split, { subject: "user-42" });
    for (let i = 0; i < 20; i += 1)
      await expect(chooseVersion(split, { subject: "user-42" })).resolves.toEqual(first);
    let v2 = 0;
    const subjects = 4000;
    for (let i = 0; i < subjects; i += 1) {
      const decision = await chooseVersion(split, { subject: `user-${i}` });
      expect(decision.route).toBe("ab");
      if (decision.version === "v2") v2 += 1;
    }
    // Binomial sd at p=0.1, n=4000 is 0.0047: 4 sd either side.
    expect(Math.abs(v2 / subjects - 0.1)).toBeLessThan(0.019);
  });

  it("splits equally over active versions when A/B is asked for without weights", async () => {
    const counts: Record<string, number> = {};
    for (let i = 0; i < 2000; i += 1) {
      const { version } = await chooseVersion(record(), { ab: true, subject: `s${i}` });
      counts[version] = (counts[version] ?? 0) + 1;
    }
    expect(Object.keys(counts).sort()).toEqual(["v1", "v2"]);
    expect(Math.abs((counts.v1 ?? 0) / 2000 - 0.5)).toBeLessThan(0.045);
  });
});

describe("stableUnit / pickByWeight", () => {
  it("is deterministic, in [0,1), and changes with the salt", async () => {
    const a = await stableUnit("m", "s1", "u");
    expect(a).toBe(await stableUnit("m", "s1", "u"));
    expect(a).toBeGreaterThanOrEqual(0);
    expect(a).toBeLessThan(1);
    expect(a).not.toBe(await stableUnit("m", "s2", "u"));
  });

  it("maps the unit interval onto cumulative weights", () => {
    const weights = [
      ["a", 0.25],
      ["b", 0.75],
    ] as const;
    expect(pickByWeight(weights, 0)).toBe("a");
    expect(pickByWeight(weights, 0.2499)).toBe("a");
    expect(pickByWeight(weights, 0.25)).toBe("b");
    expect(pickByWeight(weights, 0.9999)).toBe("b");
  });
});
