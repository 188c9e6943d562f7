import { env } from "cloudflare:test";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { checkModelHealth } from "../worker/data-plane/model-health-check.ts";
import type { Bindings } from "../worker/platform/env.ts";
import { classifyStoreFailure, loggableError, redactedStoreError } from "../worker/platform/store-failure.ts";
import { PROBLEM_URN_PREFIX, PROBLEMS } from "../worker/problems/catalogue.ts";
import { modelKey } from "../worker/repository/registry-keys.ts";
import { invalidateRegistryCache } from "../worker/repository/registry-reader.ts";
import type { ModelRecord } from "../worker/repository/registry-types.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

/**
 * A real D1 failure inside this file's isolated storage: every table the Worker uses is renamed away, so
 * each statement fails in D1 itself (`D1_ERROR: no such table: …: SQLITE_ERROR`), whatever table a route
 * reads. `restore` renames them back. (The busy/locked outage of a real lock is the e2e check in
 * test/e2e/store-outage.e2e.ts.)
 */
async function breakD1(db: D1Database): Promise<() => Promise<void>> {
  const { results } = await db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations'",
    )
    .all<{ name: string }>();
  const names = results.map((row) => row.name);
  expect(names).toContain("registry_models");
  await db.batch(names.map((name) => db.prepare(`ALTER TABLE "${name}" RENAME TO "${name}__outage"`)));
  return async () => {
    await db.batch(names.map((name) => db.prepare(`ALTER TABLE "${name}__outage" RENAME TO "${name}"`)));
  };
}

/** Nothing in a response may quote SQL, SQLite codes, table names or a stack. */
const LEAKS =
  /SELECT|INSERT|UPDATE|FROM |WHERE|SQLITE|no such table|D1_ERROR|registry_models|audit_log|at .*\.ts:\d+/;

const client = workerClient();
let restoreD1: (() => Promise<void>) | null = null;

afterEach(async () => {
  await restoreD1?.();
  restoreD1 = null;
});

beforeAll(async () => {
  await seedShippedModels(env, ["recommender", "kredipusula"]);
});

describe("classifying storage errors", () => {
  it("recognises a real D1 failure and words it without the binding's text", async () => {
    let thrown: unknown;
    try {
      await env.DB.prepare("SELECT * FROM no_such_table_here WHERE id = ?").bind(1).all();
    } catch (error) {
      thrown = error;
    }
    expect(String(thrown)).toContain("no such table");
    const failure = classifyStoreFailure(thrown);
    expect(failure).toMatchObject({ store: "D1", code: "SQLITE_ERROR" });
    expect(JSON.stringify(failure)).not.toMatch(/no_such_table_here|SELECT/);
  });

  it("leaves defects (syntax, bind type, a KV key over its limit) to the 500 path", async () => {
    const defects = await Promise.all([
      env.DB.prepare("SELEC 1")
        .all()
        .catch((error: unknown) => error),
      (async () =>
        env.DB.prepare("SELECT ?")
          .bind({} as never)
          .all())().catch((error: unknown) => error),
      env.REGISTRY.get("k".repeat(600)).catch((error: unknown) => error),
      env.ARTIFACTS.get("k".repeat(1100)).catch((error: unknown) => error),
    ]);
    for (const defect of defects) {
      expect(defect).toBeInstanceOf(Error);
      expect(classifyStoreFailure(defect), String(defect)).toBeNull();
    }
  });

  it("recognises the outage formats D1, KV and R2 report in production", () => {
    const cases: Array<[string, string, string]> = [
      ["D1_ERROR: database is locked: SQLITE_BUSY", "D1", "SQLITE_BUSY"],
      ["D1_ERROR: disk I/O error: SQLITE_IOERR", "D1", "SQLITE_IOERR"],
      ["D1_ERROR: D1 DB is overloaded. Too many requests queued.", "D1", "D1_PLATFORM"],
      ["D1_ERROR: Network connection lost.", "D1", "D1_PLATFORM"],
      ["D1 DB storage operation exceeded timeout which caused object to be reset.", "D1", "D1_PLATFORM"],
      ["KV PUT failed: 429 Too Many Requests", "KV", "429"],
      ["KV GET failed: 503 Service Unavailable", "KV", "503"],
      ["get: We encountered an internal error. Please try again. (10001)", "R2", "10001"],
      ["put: Reduce your concurrent request rate for the same object. (10058)", "R2", "10058"],
      // What local R2 (miniflare) reports when its blob store cannot be written (test/e2e/store-outage.e2e.ts).
      ["put: Unspecified error (0)", "R2", "0"],
    ];
    for (const [message, store, code] of cases) {
      expect(classifyStoreFailure(new Error(message)), message).toMatchObject({ store, code });
    }
    // Wrapped errors are looked through (`cause`), constraint failures stay defects.
    expect(
      classifyStoreFailure(
        new Error("wrapped", { cause: new Error("D1_ERROR: database is locked: SQLITE_BUSY") }),
      ),
    ).toMatchObject({ store: "D1" });
    expect(
      classifyStoreFailure(new Error("D1_ERROR: UNIQUE constraint failed: t.id: SQLITE_CONSTRAINT")),
    ).toBeNull();
  });

  it("looks through drizzle's wrapper, and logs a D1 defect without its statement or values", async () => {
    const db = drizzle(env.DB);
    const missing = await db
      .run(sql`SELECT * FROM no_such_table_here WHERE secret = ${"s3cr3t-value"}`)
      .catch((error: unknown) => error);
    expect(String(missing)).toContain("Failed query");
    expect(classifyStoreFailure(missing)).toMatchObject({ store: "D1" });

    const defect = await db
      .run(sql`SELEC * FROM registry_models WHERE model = ${"s3cr3t-value"}`)
      .catch((error: unknown) => error);
    expect(classifyStoreFailure(defect)).toBeNull();
    const logged = redactedStoreError(defect) ?? "";
    expect(logged).toContain("Failed query: [statement redacted]");
    expect(logged).toContain("syntax error");
    expect(logged).not.toMatch(/s3cr3t|registry_models|SELEC /);
    expect(redactedStoreError(new Error("not from a store"))).toBeNull();
    expect(loggableError(defect)).toBe(logged);
    expect(loggableError(new Error("plain"))).toBe("Error: plain");
  });
});

describe("a D1 outage", () => {
  it("is in the problem catalogue with Retry-After", () => {
    expect(PROBLEMS.storeUnavailable).toMatchObject({ status: 503, slug: "store-unavailable" });
    expect(PROBLEMS.storeUnavailable.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("answers 503 store-unavailable with Retry-After on every endpoint that needs D1, and leaks no SQL", async () => {
    // Issue 9's list: /model_health, health, traffic, reports, audit, load_version, promote, feedback; plus
    // the dashboard, a report by id, the admin record read and the batch feedback.
    const endpoints: Array<[string, () => Promise<Response>]> = [
      ["GET /model_health", () => client.get("/model_health")],
      ["GET /v1/models/{m}/health", () => client.get("/v1/models/recommender/health")],
      ["GET /v1/models/{m}/traffic", () => client.get("/v1/models/recommender/traffic?hours=24")],
      ["GET /v1/models/{m}/reports", () => client.get("/v1/models/recommender/reports")],
      ["GET /v1/models/{m}/reports/{id}", () => client.get("/v1/models/recommender/reports/1")],
      ["GET /v1/models/{m}/dashboard", () => client.get("/v1/models/recommender/dashboard")],
      ["GET /v1/admin/audit", () => client.get("/v1/admin/audit")],
      ["GET /v1/admin/models/{m}", () => client.get("/v1/admin/models/recommender")],
      ["POST /load_version/{v}", () => client.post("/load_version/v2_random_forest", undefined)],
      [
        "POST /v1/admin/models/{m}/promote",
        () => client.post("/v1/admin/models/recommender/promote", { version: "v3_rf_tuned" }),
      ],
      [
        "POST /v1/predictions/{id}/feedback",
        () =>
          client.post(`/v1/predictions/${crypto.randomUUID()}/feedback`, { actual: 4, model: "recommender" }),
      ],
      [
        "POST /v1/predictions/feedback",
        () =>
          client.post("/v1/predictions/feedback", {
            feedback: [{ prediction_id: crypto.randomUUID(), actual: 4, model: "recommender" }],
          }),
      ],
    ];
    restoreD1 = await breakD1(env.DB);
    const answered: Record<string, string> = {};
    for (const [name, call] of endpoints) {
      const response = await call();
      const text = await response.clone().text();
      answered[name] = `${response.status} ${response.headers.get("retry-after")}`;
      expect(text, name).not.toMatch(LEAKS);
      expect(response.status, `${name}: ${text}`).toBe(503);
      const body = await expectProblemJson<Record<string, unknown>>(response, 503);
      expect(body.type, name).toBe(`${PROBLEM_URN_PREFIX}store-unavailable`);
      expect(body.store, name).toBe("D1");
      expect(Number(response.headers.get("retry-after")), name).toBeGreaterThan(0);
    }
    expect(Object.keys(answered)).toHaveLength(endpoints.length);
  });

  it("changes nothing: a promote refused during the outage leaves D1, KV and the audit log as they were", async () => {
    const before = await (await client.get("/v1/admin/models/recommender")).json<Record<string, unknown>>();
    restoreD1 = await breakD1(env.DB);
    const refused = await client.post("/v1/admin/models/recommender/promote", { version: "v3_rf_tuned" });
    expect(refused.status).toBe(503);
    await restoreD1();
    restoreD1 = null;
    const after = await (await client.get("/v1/admin/models/recommender")).json<Record<string, unknown>>();
    expect(after.default_version).toBe(before.default_version);
    expect(after.revision).toBe(before.revision);
    const audit = await (await client.get("/v1/admin/audit?model=recommender&action=promote")).json<{
      entries: unknown[];
    }>();
    expect(audit.entries).toEqual([]);
    // The same request after the outage is applied once.
    const retried = await client.post("/v1/admin/models/recommender/promote", { version: "v3_rf_tuned" });
    expect(retried.status).toBe(200);
  });

  it("turns /api/v1/health and /v2/health/ready degraded (200: serving works) with a reason naming D1", async () => {
    const healthy = await client.get("/api/v1/health");
    expect(healthy.status).toBe(200);
    expect(await healthy.json()).toMatchObject({ status: "healthy", model_loaded: true });
    expect(await (await client.get("/v2/health/ready")).json()).toEqual({ ready: true, status: "ready" });

    restoreD1 = await breakD1(env.DB);
    const health = await client.get("/api/v1/health");
    const healthText = await health.clone().text();
    expect(healthText).not.toMatch(LEAKS);
    expect(health.status, healthText).toBe(200);
    const healthBody = await health.json<Record<string, unknown>>();
    expect(healthBody).toMatchObject({ status: "degraded", model: "kredipusula", model_loaded: true });
    expect((healthBody.reasons as string[])[0]).toMatch(
      /^D1 .* is missing a table .*: predictions are served/,
    );
    // The monitoring summary lives in D1: not attempted, the reason says why.
    expect(healthBody).not.toHaveProperty("monitoring");
    expect(healthBody).not.toHaveProperty("outage");

    const ready = await client.get("/v2/health/ready");
    const readyText = await ready.clone().text();
    expect(readyText).not.toMatch(LEAKS);
    expect(ready.status).toBe(200);
    const readyBody = await ready.json<Record<string, unknown>>();
    expect(readyBody).toMatchObject({ ready: true, status: "degraded" });
    expect((readyBody.reasons as string[])[0]).toMatch(/^D1 /);
  });

  it("completes a registry change whose KV projection failed when the same request is retried", async () => {
    // The state a failed projection leaves: D1 committed revision N, KV still serves revision N-1.
    const key = modelKey("recommender");
    const servedBefore = await env.REGISTRY.get(key, "text");
    const promoted = await client.post("/v1/admin/models/recommender/promote", {
      version: "v2_random_forest",
    });
    expect(promoted.status).toBe(200);
    const committed = (await promoted.json<{ revision: number }>()).revision;
    await env.REGISTRY.put(key, servedBefore as string);
    invalidateRegistryCache("recommender");
    const stale = await env.REGISTRY.get<ModelRecord>(key, "json");
    expect(stale?.revision).toBeLessThan(committed);

    // The retry is a no-op in D1 (nothing new audited) and re-projects.
    const retried = await client.post("/v1/admin/models/recommender/promote", {
      version: "v2_random_forest",
    });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ changed: false, revision: committed });
    const served = await env.REGISTRY.get<ModelRecord>(key, "json");
    expect(served).toMatchObject({ revision: committed, default: "v2_random_forest" });
  });

  it("leaves no un-audited API key: creation is undone, revocation holds and is audited on retry", async () => {
    const listed = async () =>
      (await (await client.get("/v1/admin/keys")).json<{ keys: Array<{ id: string }> }>()).keys.map(
        (key) => key.id,
      );
    const created = await client.post("/v1/admin/keys", { name: "outage", scopes: ["predict"] });
    expect(created.status).toBe(201);
    const { id, key } = await created.json<{ id: string; key: string }>();
    const before = await listed();

    restoreD1 = await breakD1(env.DB);
    const refused = await client.post("/v1/admin/keys", { name: "during", scopes: ["predict"] });
    expect((await expectProblemJson<{ store: string }>(refused, 503)).store).toBe("D1");
    expect(await listed()).toEqual(before);

    const revoke = await client.call("DELETE", `/v1/admin/keys/${id}`);
    const problem = await expectProblemJson<{ revoked: boolean; detail: string }>(revoke, 503);
    expect(problem.revoked).toBe(true);
    expect(revoke.headers.get("retry-after")).not.toBeNull();
    // Revoked although the audit could not be written: the key is refused.
    const used = await client.get("/v1/models", { authorization: `Bearer ${key}` });
    expect(used.status).toBe(401);

    await restoreD1();
    restoreD1 = null;
    expect((await client.call("DELETE", `/v1/admin/keys/${id}`)).status).toBe(200);
    const audit = await (await client.get("/v1/admin/audit?action=revoke_key")).json<{
      entries: Array<{ details: { key_id: string } }>;
    }>();
    expect(audit.entries.filter((entry) => entry.details.key_id === id)).toHaveLength(1);
  });

  it("is degraded too, naming the secret, when the prediction-id key is missing", async () => {
    const withoutKey = { ...env, PREDICTION_ID_KEY: undefined } as unknown as Bindings;
    const health = await checkModelHealth({ env: withoutKey }, "kredipusula");
    expect(health).toMatchObject({ status: "degraded", model_loaded: true });
    expect(health.reasons?.join(" ")).toContain("PREDICTION_ID_KEY is not set");
  });

  it("keeps predictions at 200: logging is off the request path", async () => {
    restoreD1 = await breakD1(env.DB);
    const response = await client.post("/v1/models/recommender/predict", {
      inputs: { item_category: "A", item_id: 1, item_price: 50, user_age: 25, user_gender: "M", user_id: 1 },
    });
    expect(response.status, await response.clone().text()).toBe(200);
  });
});
