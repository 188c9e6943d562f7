import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { promoteVersion } from "../../worker/data-plane/registry-admin-service.ts";
import { listAudit } from "../../worker/repository/audit-log.ts";
import { readModelRecord } from "../../worker/repository/registry-reader.ts";
import { testScope } from "../support/request-scope.ts";
import { seedShippedModels } from "../support/shipped-models.ts";

const MODEL = "kredipusula";

beforeAll(async () => {
  await seedShippedModels(env, [MODEL]);
});

describe("promoteVersion, called with a request scope and no HTTP", () => {
  it("makes the version the default, projects it to KV and audits the caller and request id", async () => {
    const { scope } = testScope({ requestId: "req-promote" });
    const update = await promoteVersion(scope, MODEL, "v1_logreg_calibrated");
    expect(update).toMatchObject({ changed: true, projected: true });
    expect(update.record).toMatchObject({ default: "v1_logreg_calibrated", previous_defaults: ["v2_gbm"] });
    expect((await readModelRecord(env.REGISTRY, MODEL))?.default).toBe("v1_logreg_calibrated");
    const [entry] = await listAudit(env.DB, { model: MODEL, action: "promote", limit: 5 });
    expect(entry).toMatchObject({
      actor: "key:key0123456789abc",
      request_id: "req-promote",
      version: "v1_logreg_calibrated",
      details: { from: "v2_gbm" },
    });
  });

  it("refuses an unknown version with version-not-found and writes no audit entry", async () => {
    const { scope } = testScope({ requestId: "req-unknown" });
    await expect(promoteVersion(scope, MODEL, "v9_missing")).rejects.toMatchObject({
      problem: { slug: "version-not-found" },
    });
    const entries = await listAudit(env.DB, { model: MODEL, limit: 50 });
    expect(entries.some((entry) => entry.request_id === "req-unknown")).toBe(false);
  });
});
