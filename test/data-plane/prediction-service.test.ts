import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { runPrediction } from "../../worker/data-plane/prediction-service.ts";
import { DomainError } from "../../worker/problems/index.ts";
import { testScope } from "../support/request-scope.ts";
import { seedShippedModels, shippedVersion } from "../support/shipped-models.ts";

const MODEL = "kredipusula";
const example = shippedVersion(MODEL).manifest.examples[0];
if (!example) throw new Error("kredipusula ships no example");
const request = (rows: unknown[], explicitVersion?: string) => ({
  model: MODEL,
  rows,
  fieldPath: (row: number, name: string) => `instances[${row}].${name}`,
  batchField: "instances",
  explicitVersion,
});

beforeAll(async () => {
  await seedShippedModels(env, [MODEL]);
});

describe("runPrediction, called with a request scope and no HTTP", () => {
  it("serves the default version and logs the scope's request id, caller and location", async () => {
    const { scope, settle, pending } = testScope();
    const result = await runPrediction(scope, request([example.inputs]));
    expect(result.version).toBe(shippedVersion(MODEL).manifest.version);
    expect(result.route).toBe("default");
    expect(result.predictions).toHaveLength(1);
    expect(result.predictions[0]?.output).toBeCloseTo(Number(example.expected.output), 4);
    expect(result.records[0]).toMatchObject({
      request_id: "req-data-plane",
      key_id: "key0123456789abc",
      colo: "IST",
      country: "TR",
      route: "default",
      status: "ok",
    });
    // The subject falls back to the caller's key (hashed, never stored as is).
    expect(result.records[0]?.subject_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(pending.length).toBeGreaterThan(0);
    await settle();
  });

  it("serves an explicit version, and the subject hint decides the hashed subject", async () => {
    const { scope, settle } = testScope({ subjectHint: "customer-42" });
    const other = testScope({ subjectHint: "customer-43" });
    const result = await runPrediction(scope, request([example.inputs], "v1_logreg_calibrated"));
    const again = await runPrediction(other.scope, request([example.inputs], "v1_logreg_calibrated"));
    expect(result).toMatchObject({ version: "v1_logreg_calibrated", route: "explicit" });
    expect(result.records[0]?.subject_hash).not.toBe(again.records[0]?.subject_hash);
    await Promise.all([settle(), other.settle()]);
  });

  it("refuses invalid rows with a validation problem naming every bad field, before any inference", async () => {
    const { scope, pending } = testScope();
    const bad = { ...example.inputs, age: 12, credit_history: "excellent", colour: "red" };
    const error = await runPrediction(scope, request([bad])).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ problem: { slug: "validation", status: 422 } });
    expect((error as DomainError).errors.map((entry) => entry.field).sort()).toEqual([
      "instances[0].age",
      "instances[0].colour",
      "instances[0].credit_history",
    ]);
    // A client's bad rows are not logged against the model.
    expect(pending).toHaveLength(0);
  });

  it("refuses an unknown version with version-not-found listing the known ones", async () => {
    const { scope } = testScope();
    await expect(runPrediction(scope, request([example.inputs], "v9_missing"))).rejects.toMatchObject({
      problem: { slug: "version-not-found", status: 404 },
      extra: { versions: ["v1_logreg_calibrated", "v2_gbm"] },
    });
  });
});
