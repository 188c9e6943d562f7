import { describe, expect, it } from "vitest";
import { chooseVersion } from "../worker/repository/choose-version.ts";
import { defaultThresholds } from "../worker/repository/default-thresholds.ts";
import type { ModelRecord } from "../worker/repository/registry-types.ts";

function record(weights: Record<string, number>, salt = "salt-a"): ModelRecord {
  const entry = { status: "active" as const, sha256: "0".repeat(64), bytes: 1, published_at: "" };
  return {
    name: "ab-model",
    default: "champion",
    versions: { champion: entry, challenger: entry, third: entry },
    traffic: { weights, shadow: [], salt, effective_at: "" },
    thresholds: defaultThresholds("regression"),
    revision: 1,
    updated_at: "",
  };
}

async function shares(model: ModelRecord, subjects: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < subjects; i += 1) {
    const { version } = await chooseVersion(model, { subject: `user-${i}` });
    counts[version] = (counts[version] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([version, count]) => [version, count / subjects]));
}

describe("sticky A/B assignment over many subjects", () => {
  it("matches 90/10 weights within 0.7 percentage points over 20,000 subjects", async () => {
    const observed = await shares(record({ champion: 0.9, challenger: 0.1 }), 20_000);
    // Binomial sd at p = 0.1, n = 20,000 is 0.0021: 0.007 is ~3.3 sd.
    expect(Math.abs((observed.challenger ?? 0) - 0.1)).toBeLessThan(0.007);
  });

  it("matches a three-arm split and keeps every subject on its arm", async () => {
    const split = record({ champion: 0.5, challenger: 0.3, third: 0.2 });
    const observed = await shares(split, 20_000);
    expect(Math.abs((observed.champion ?? 0) - 0.5)).toBeLessThan(0.011);
    expect(Math.abs((observed.challenger ?? 0) - 0.3)).toBeLessThan(0.011);
    expect(Math.abs((observed.third ?? 0) - 0.2)).toBeLessThan(0.009);
    for (let i = 0; i < 200; i += 1) {
      const first = await chooseVersion(split, { subject: `user-${i}` });
      await expect(chooseVersion(split, { subject: `user-${i}` })).resolves.toEqual(first);
    }
  });

  it("moving from 10 % to 20 % only moves subjects towards the challenger (no churn back)", async () => {
    const ten = record({ champion: 0.9, challenger: 0.1 });
    const twenty = record({ champion: 0.8, challenger: 0.2 });
    for (let i = 0; i < 2_000; i += 1) {
      const before = await chooseVersion(ten, { subject: `user-${i}` });
      if (before.version === "challenger") {
        await expect(chooseVersion(twenty, { subject: `user-${i}` })).resolves.toMatchObject({
          version: "challenger",
        });
      }
    }
  });

  it("a new salt reshuffles subjects across arms", async () => {
    const a = record({ champion: 0.5, challenger: 0.5 }, "salt-a");
    const b = record({ champion: 0.5, challenger: 0.5 }, "salt-b");
    let moved = 0;
    for (let i = 0; i < 1_000; i += 1) {
      const [x, y] = await Promise.all([
        chooseVersion(a, { subject: `u${i}` }),
        chooseVersion(b, { subject: `u${i}` }),
      ]);
      if (x.version !== y.version) moved += 1;
    }
    expect(moved / 1_000).toBeGreaterThan(0.4);
    expect(moved / 1_000).toBeLessThan(0.6);
  });
});
