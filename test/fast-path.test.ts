import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../worker/http/app.ts";
import { fastPath } from "../worker/http/fast-path.ts";
import { MAX_BODY_BYTES } from "../worker/http/middleware/body-size.ts";
import type { Bindings } from "../worker/platform/env.ts";
import { BASE } from "./support/http.ts";
import { CREDIT_SEED_REQUEST, RATING_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

/**
 * The prediction fast path (worker/http/fast-path.ts) against the Hono app for the same requests: status,
 * every header and the body must match, apart from the values made fresh per request (prediction ids,
 * timestamps; request ids are fixed by sending one).
 */
const app = buildApp();
const ADMIN_TOKEN = "test-admin-token-0123456789-abcdefghijklmnop";
const production = { ENVIRONMENT: "production", ADMIN_TOKEN };

interface Case {
  path: string;
  body?: string;
  headers?: Record<string, string>;
  vars?: Partial<Bindings>;
}

interface Seen {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

const FRESH_FIELDS = new Set(["timestamp", "id", "prediction_id"]);

/** JSON with per-request values replaced by their kind. */
function stable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stable);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, FRESH_FIELDS.has(key) ? typeof item : stable(item)]),
  );
}

async function seen(response: Response): Promise<Seen> {
  const headers = Object.fromEntries(
    [...response.headers].map(([name, value]) => [name, name === "x-prediction-id" ? "<id>" : value]),
  );
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, headers, body: type.includes("json") ? stable(JSON.parse(text)) : text };
}

function requestOf(c: Case): Request {
  const body = c.body ?? JSON.stringify(CREDIT_SEED_REQUEST);
  return new Request(`${BASE}${c.path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "content-length": String(new TextEncoder().encode(body).byteLength),
      "x-request-id": "fast-path-test",
      ...c.headers,
    },
    body,
  });
}

/** Both paths' answers to one case; the fast path must have taken it. */
async function both(c: Case): Promise<{ fast: Seen; hono: Seen }> {
  const caseEnv = { ...env, ...c.vars } as Bindings;
  const fastCtx = createExecutionContext();
  const fastResponse = fastPath(requestOf(c), caseEnv, fastCtx);
  expect(fastResponse, "the fast path takes this request").not.toBeNull();
  const fast = await seen(await (fastResponse as Promise<Response>));
  await waitOnExecutionContext(fastCtx);
  const honoCtx = createExecutionContext();
  const hono = await seen(await app.fetch(requestOf(c), caseEnv, honoCtx));
  await waitOnExecutionContext(honoCtx);
  return { fast, hono };
}

async function expectSame(c: Case, status: number): Promise<Seen> {
  const { fast, hono } = await both(c);
  expect(fast).toEqual(hono);
  expect(fast.status).toBe(status);
  return fast;
}

beforeAll(async () => {
  await seedShippedModels(env, ["kredipusula", "recommender"]);
});

describe("prediction fast path answers exactly like the Hono app", () => {
  it("credit seed success, Turkish by default and English on request (open mode header)", async () => {
    const tr = await expectSame({ path: "/api/v1/predict" }, 200);
    expect(tr.headers["content-language"]).toBe("tr");
    expect(tr.headers["x-auth-mode"]).toBe("open");
    const en = await expectSame(
      { path: "/api/v1/predict", headers: { "accept-language": "de;q=0.9, en-GB;q=0.8" } },
      200,
    );
    expect(en.headers["content-language"]).toBe("en");
  });

  it("/v1 predict success: one row, a batch, an explicit version, and with a query string", async () => {
    const inputs = JSON.stringify({ inputs: CREDIT_SEED_REQUEST });
    await expectSame({ path: "/v1/models/kredipusula/predict", body: inputs }, 200);
    await expectSame(
      {
        path: "/v1/models/kredipusula/predict?x=1",
        body: JSON.stringify({ instances: [CREDIT_SEED_REQUEST, CREDIT_SEED_REQUEST], version: "v2_gbm" }),
        headers: { "content-type": "application/json; charset=utf-8" },
      },
      200,
    );
  });

  it("rating seed /predict: one row with its options, a batch, and bad options", async () => {
    const single = await expectSame(
      {
        path: "/predict",
        body: JSON.stringify({ ...RATING_SEED_REQUEST, enable_ab_testing: "false", version_name: null }),
      },
      200,
    );
    expect(single.headers["x-model-route"]).toBe("default");
    await expectSame(
      { path: "/predict", body: JSON.stringify([RATING_SEED_REQUEST, RATING_SEED_REQUEST]) },
      200,
    );
    await expectSame(
      { path: "/predict", body: JSON.stringify({ ...RATING_SEED_REQUEST, enable_ab_testing: "maybe" }) },
      422,
    );
    await expectSame({ path: "/predict", body: "[]" }, 422);
    await expectSame(
      { path: "/predict", body: JSON.stringify({ ...RATING_SEED_REQUEST, version_name: "v9_none" }) },
      404,
    );
  });

  it("credentials: 401 anonymous, 401 wrong token, 403 without the predict scope, 200 with the admin token", async () => {
    const anonymous = await expectSame({ path: "/api/v1/predict", vars: production }, 401);
    expect(anonymous.headers["www-authenticate"]).toContain("Bearer");
    await expectSame(
      { path: "/v1/models/kredipusula/predict", headers: { authorization: "Bearer nope" }, vars: production },
      401,
    );
    await expectSame(
      { path: "/api/v1/predict", headers: { authorization: "Bearer" }, vars: production },
      401,
    );
    const keyCtx = createExecutionContext();
    const created = await app.fetch(
      new Request(`${BASE}/v1/admin/keys`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify({ name: "fast-path-admin-only", scopes: ["admin"] }),
      }),
      { ...env, ...production },
      keyCtx,
    );
    await waitOnExecutionContext(keyCtx);
    expect(created.status).toBe(201);
    const { key } = (await created.json()) as { key: string };
    await expectSame({ path: "/api/v1/predict", headers: { "x-api-key": key }, vars: production }, 403);
    const ok = await expectSame(
      { path: "/api/v1/predict", headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, vars: production },
      200,
    );
    expect(ok.headers["x-auth-mode"]).toBeUndefined();
  });

  it("429 from the rate limiter, with Retry-After", async () => {
    const limited = {
      RATE_LIMITER: { limit: async () => ({ success: false }) },
    } as unknown as Partial<Bindings>;
    const refused = await expectSame({ path: "/api/v1/predict", vars: limited }, 429);
    expect(refused.headers["retry-after"]).toBe("60");
  });

  it("413 over the body limit, 400 malformed JSON, 422 from the schema and from the features", async () => {
    const big = JSON.stringify({ inputs: CREDIT_SEED_REQUEST, pad: "x".repeat(MAX_BODY_BYTES) });
    await expectSame({ path: "/v1/models/kredipusula/predict", body: big }, 413);
    await expectSame({ path: "/api/v1/predict", body: "{not json" }, 400);
    await expectSame({ path: "/api/v1/predict", body: "" }, 400);
    await expectSame({ path: "/api/v1/predict", body: "[1, 2]" }, 422);
    await expectSame(
      {
        path: "/v1/models/kredipusula/predict",
        body: JSON.stringify({ inputs: CREDIT_SEED_REQUEST, instances: [CREDIT_SEED_REQUEST] }),
      },
      422,
    );
    await expectSame(
      { path: "/api/v1/predict", body: JSON.stringify({ ...CREDIT_SEED_REQUEST, age: -4 }) },
      422,
    );
    await expectSame({ path: "/api/v1/predict", body: JSON.stringify({ bogus: 1 }) }, 422);
  });

  it("404 for an unknown model or version", async () => {
    const inputs = { inputs: CREDIT_SEED_REQUEST };
    await expectSame({ path: "/v1/models/no-such-model/predict", body: JSON.stringify(inputs) }, 404);
    await expectSame(
      { path: "/v1/models/kredipusula/predict", body: JSON.stringify({ ...inputs, version: "v9_nope" }) },
      404,
    );
  });

  it("leaves every other request to Hono", () => {
    const ctx = createExecutionContext();
    const plain = (path: string, init: RequestInit = {}) =>
      fastPath(new Request(`${BASE}${path}`, init), env as Bindings, ctx);
    const body = JSON.stringify(CREDIT_SEED_REQUEST);
    expect(plain("/api/v1/predict")).toBeNull(); // GET
    expect(plain("/api/v1/predict", { method: "POST", body })).toBeNull(); // no JSON content-type
    expect(
      plain("/api/v1/predict", { method: "POST", body, headers: { "content-type": "text/plain" } }),
    ).toBeNull();
    expect(
      plain("/api/v1/%70redict", { method: "POST", body, headers: { "content-type": "application/json" } }),
    ).toBeNull();
    expect(
      plain("/v1/models/Not_A_Slug/predict", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      }),
    ).toBeNull();
    expect(plain("/api/v1/predict/", { method: "POST", body })).toBeNull();
    expect(
      plain("/predict?version_name=v2_random_forest", {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
      }),
    ).toBeNull();
  });
});
