import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { recordFeedback } from "../../worker/data-plane/feedback-service.ts";
import { runPrediction } from "../../worker/data-plane/prediction-service.ts";
import { feedbackKey } from "../../worker/monitoring/store/feedback-store.ts";
import { testScope } from "../support/request-scope.ts";
import { seedShippedModels, shippedVersion } from "../support/shipped-models.ts";

const MODEL = "kredipusula";
const fieldOf = (index: number, name: string) => `feedback[${index}].${name}`;

beforeAll(async () => {
  await seedShippedModels(env, [MODEL]);
});

describe("recordFeedback, called with a request scope and no HTTP", () => {
  it("records the true label of a served prediction under the caller's key", async () => {
    const { scope, settle } = testScope();
    const example = shippedVersion(MODEL).manifest.examples[0];
    const served = await runPrediction(scope, {
      model: MODEL,
      rows: [example?.inputs],
      fieldPath: (_row, name) => `inputs.${name}`,
      batchField: "inputs",
    });
    await settle();
    const id = served.predictions[0]?.id ?? "";
    const recorded = await recordFeedback(scope, [{ prediction_id: id, actual: 1, model: MODEL }], fieldOf);
    expect(recorded).toEqual([expect.objectContaining({ prediction_id: id, model: MODEL, actual: 1 })]);
    const row = await env.DB.prepare("SELECT model, actual, key_id FROM feedback WHERE prediction_id = ?")
      .bind(feedbackKey(id))
      .first();
    expect(row).toEqual({ model: MODEL, actual: 1, key_id: "key0123456789abc" });
  });

  it("refuses a label outside the task and an unknown prediction, naming each item", async () => {
    const { scope } = testScope();
    await expect(
      recordFeedback(scope, [{ prediction_id: "p-1", actual: 7, model: MODEL }], fieldOf),
    ).rejects.toMatchObject({ problem: { slug: "validation" }, errors: [{ field: "feedback[0].actual" }] });
    await expect(
      recordFeedback(scope, [{ prediction_id: "never-served", actual: 1 }], fieldOf),
    ).rejects.toMatchObject({ problem: { slug: "prediction-not-found", status: 404 }, retryAfterSeconds: 5 });
  });
});
