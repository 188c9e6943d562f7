import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { recommend } from "../../worker/data-plane/recommendation-service.ts";
import { testScope } from "../support/request-scope.ts";
import { seedShippedModels, shippedVersion } from "../support/shipped-models.ts";

const MODEL = "recommender";

beforeAll(async () => {
  await seedShippedModels(env, [MODEL, "kredipusula"]);
});

describe("recommend, called with a request scope and no HTTP", () => {
  it("returns the k best catalog items, best first, without the excluded ones", async () => {
    const { scope, settle } = testScope({ subjectHint: "user:1" });
    const result = await recommend(scope, MODEL, {
      user: { user_id: 1, user_age: 25, user_gender: "M" },
      k: 5,
      exclude: [1, 2],
    });
    expect(result).toMatchObject({
      model: MODEL,
      version: shippedVersion(MODEL).manifest.version,
      route: "default",
    });
    expect(result.items).toHaveLength(5);
    const scores = result.items.map((entry) => entry.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(result.items.map((entry) => entry.item.item_id)).not.toContain(1);
    expect(result.items.map((entry) => entry.item.item_id)).not.toContain(2);
    expect(new Set(result.items.map((entry) => entry.prediction_id)).size).toBe(5);
    await settle();
  });

  it("refuses a model without a catalog (no-catalog) and a bad user field (validation)", async () => {
    const { scope } = testScope();
    await expect(recommend(scope, "kredipusula", { user: {}, k: 1, exclude: [] })).rejects.toMatchObject({
      problem: { slug: "no-catalog", status: 404 },
    });
    await expect(
      recommend(scope, MODEL, { user: { user_id: 1, user_age: "old", user_gender: "M" }, k: 1, exclude: [] }),
    ).rejects.toMatchObject({ problem: { slug: "validation" }, errors: [{ field: "user.user_age" }] });
  });
});
