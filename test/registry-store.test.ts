import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { listAudit } from "../worker/repository/audit-log.ts";
import { defaultThresholds } from "../worker/repository/default-thresholds.ts";
import { modelKey } from "../worker/repository/registry-keys.ts";
import {
  addShadow,
  archive,
  promote,
  rollback,
  setWeights,
} from "../worker/repository/registry-mutations.ts";
import { readModelRecord, requireRecord } from "../worker/repository/registry-reader.ts";
import { readAuthoritativeRecord, updateModelRecord } from "../worker/repository/registry-store.ts";
import type { ModelRecord } from "../worker/repository/registry-types.ts";

const NOW = "2026-01-01T00:00:00.000Z";

function syntheticRecord(name: string, versions: number, revision = 1): ModelRecord {
  return {
    name,
    default: "v0",
    versions: Object.fromEntries(
      Array.from({ length: versions }, (_, index) => [
        `v${index}`,
        { status: "active", sha256: "0".repeat(64), bytes: 1, published_at: NOW },
      ]),
    ),
    traffic: { weights: {}, shadow: [], salt: "salt", effective_at: NOW },
    thresholds: defaultThresholds("regression"),
    revision,
    updated_at: NOW,
  };
}

const audit = (action: string) => ({ actor: "test", action, requestId: "req" });

async function d1Row(model: string) {
  return env.DB.prepare("SELECT revision, record FROM registry_models WHERE model = ?")
    .bind(model)
    .first<{ revision: number; record: string }>();
}

describe("registry store: D1 compare-and-set, KV projection, audit in the same commit", () => {
  it("creates a record, projects it to KV and audits the change", async () => {
    const update = await updateModelRecord(
      env,
      "store-create",
      () => syntheticRecord("store-create", 2),
      audit("create"),
    );
    expect(update).toMatchObject({ changed: true, projected: true });
    expect(update.record?.revision).toBe(1);
    expect((await d1Row("store-create"))?.revision).toBe(1);
    expect((await env.REGISTRY.get<ModelRecord>(modelKey("store-create"), "json"))?.revision).toBe(1);
    const entries = await listAudit(env.DB, { model: "store-create", limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: "test",
      action: "create",
      request_id: "req",
      details: { revision: 1 },
    });
  });

  it("writes and audits nothing for a no-op change", async () => {
    await updateModelRecord(env, "store-noop", () => syntheticRecord("store-noop", 2), audit("create"));
    const update = await updateModelRecord(env, "store-noop", () => null, audit("noop"));
    expect(update.changed).toBe(false);
    expect((await d1Row("store-noop"))?.revision).toBe(1);
    expect(await listAudit(env.DB, { model: "store-noop", action: "noop", limit: 10 })).toHaveLength(0);
  });

  it("loses no update under 25 concurrent writers and projects the last revision to KV", async () => {
    const model = "store-concurrent";
    const writers = 25;
    await updateModelRecord(env, model, () => syntheticRecord(model, writers + 1), audit("create"));
    const results = await Promise.all(
      Array.from({ length: writers }, (_, index) =>
        updateModelRecord(
          env,
          model,
          (current) => addShadow(requireRecord(current, model), `v${index + 1}`, NOW),
          audit("add_shadow"),
        ),
      ),
    );
    expect(results.every((result) => result.changed)).toBe(true);
    const revisions = results.map((result) => result.record?.revision).sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(revisions).toEqual(Array.from({ length: writers }, (_, index) => index + 2));

    const stored = JSON.parse((await d1Row(model))?.record ?? "null") as ModelRecord;
    expect(stored.revision).toBe(writers + 1);
    expect(stored.traffic.shadow).toHaveLength(writers);
    const projected = await env.REGISTRY.get<ModelRecord>(modelKey(model), "json");
    expect(projected).toEqual(stored);
    expect(await listAudit(env.DB, { model, action: "add_shadow", limit: 100 })).toHaveLength(writers);
  });

  it("adopts a record seeded straight into KV instead of dropping it", async () => {
    const model = "store-adopt";
    await updateModelRecord(env, model, () => syntheticRecord(model, 2), audit("create"));
    // `npm start` seeding adds a version directly in KV, with the next revision.
    const seeded = syntheticRecord(model, 3, 2);
    await env.REGISTRY.put(modelKey(model), JSON.stringify(seeded));
    const update = await updateModelRecord(
      env,
      model,
      (current) => promote(requireRecord(current, model), "v2", NOW),
      audit("promote"),
    );
    expect(update.record?.revision).toBe(3);
    expect(Object.keys(update.record?.versions ?? {})).toEqual(["v0", "v1", "v2"]);
    expect((await readAuthoritativeRecord(env, model))?.default).toBe("v2");
  });

  it("invalidates this isolate's read cache, so the next read sees the write", async () => {
    const model = "store-cache";
    await updateModelRecord(env, model, () => syntheticRecord(model, 2), audit("create"));
    expect((await readModelRecord(env.REGISTRY, model))?.default).toBe("v0");
    await updateModelRecord(
      env,
      model,
      (current) => promote(requireRecord(current, model), "v1", NOW),
      audit("promote"),
    );
    expect((await readModelRecord(env.REGISTRY, model))?.default).toBe("v1");
  });
});

describe("registry mutations", () => {
  const base = () => syntheticRecord("m", 3);

  it("promote ends the A/B split, keeps the old default for rollback and drops the new default's shadow", () => {
    const split = setWeights(addShadow(base(), "v1", NOW) ?? base(), { v0: 0.9, v1: 0.1 }, NOW);
    const promoted = promote(split, "v1", NOW);
    expect(promoted).toMatchObject({
      default: "v1",
      previous_defaults: ["v0"],
      traffic: { weights: {}, shadow: [] },
    });
    expect(promote(promoted as ModelRecord, "v1", NOW)).toBeNull();
  });

  it("rollback walks back through earlier defaults and skips archived ones", () => {
    let record = promote(base(), "v1", NOW) as ModelRecord;
    record = promote(record, "v2", NOW) as ModelRecord;
    const back = rollback(record, NOW);
    expect(back.to).toBe("v1");
    expect(rollback(back.record, NOW).to).toBe("v0");
    const archived = archive(record, "v1", NOW) as ModelRecord;
    expect(rollback(archived, NOW).to).toBe("v0");
    expect(() => rollback(base(), NOW)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ status: 409 }) }),
    );
  });

  it("validates weights: known active versions, each in [0, 1], summing to 1", () => {
    const archived = archive(base(), "v2", NOW) as ModelRecord;
    const fields = (weights: Record<string, number>) => {
      try {
        setWeights(archived, weights, NOW);
        return [];
      } catch (error) {
        return (error as { errors: { field: string }[] }).errors.map((entry) => entry.field);
      }
    };
    expect(fields({ v0: 0.9, v1: 0.1 })).toEqual([]);
    expect(fields({ v0: 0.9, v1: 0.2 })).toEqual(["weights"]);
    expect(fields({ v0: 0.5, nope: 0.5 })).toEqual(["weights.nope"]);
    expect(fields({ v0: 0.5, v2: 0.5 })).toEqual(["weights.v2"]);
    expect(fields({ v0: 1.5, v1: -0.5 })).toEqual(["weights.v0", "weights.v1"]);
    expect(setWeights(archived, {}, NOW).traffic.weights).toEqual({});
    expect(setWeights(archived, { v0: 1, v1: 0 }, NOW).traffic.weights).toEqual({ v0: 1 });
    const salt = archived.traffic.salt;
    expect(setWeights(archived, { v0: 1 }, NOW, true).traffic.salt).not.toBe(salt);
  });

  it("refuses to archive the default or a weighted version, and to shadow the default", () => {
    const weighted = setWeights(base(), { v0: 0.5, v1: 0.5 }, NOW);
    expect(() => archive(weighted, "v0", NOW)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ slug: "version-is-default" }) }),
    );
    expect(() => archive(weighted, "v1", NOW)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ slug: "version-in-ab-test" }) }),
    );
    expect(() => addShadow(base(), "v0", NOW)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ status: 409 }) }),
    );
    expect(() => addShadow(base(), "nope", NOW)).toThrow(
      expect.objectContaining({ problem: expect.objectContaining({ status: 404 }) }),
    );
  });
});
