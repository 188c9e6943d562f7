import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { buildApp } from "../worker/http/app.ts";
import { MAX_BODY_BYTES } from "../worker/http/middleware/body-size.ts";
import { BASE, expectProblemJson, jsonRequestInit } from "./support/http.ts";
import { CREDIT_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels } from "./support/shipped-models.ts";

/** Deployed-environment behaviour, through the app with a production env (the test default is local dev). */
const ADMIN_TOKEN = "test-admin-token-0123456789-abcdefghijklmnop";
const app = buildApp();

type Vars = Partial<Record<"ENVIRONMENT" | "ADMIN_TOKEN" | "PUBLIC_PREDICT", string | undefined>>;
const production: Vars = { ENVIRONMENT: "production", ADMIN_TOKEN };

async function request(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown; vars?: Vars } = {},
): Promise<Response> {
  const ctx = createExecutionContext();
  const response = await app.fetch(
    new Request(`${BASE}${path}`, jsonRequestInit(method, options.body, options.headers)),
    { ...env, ...(options.vars ?? production) },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return response;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function expectProblem(response: Response, status: number, type?: string) {
  const body = await expectProblemJson<{ type: string; detail: string }>(response, status);
  if (type) expect(body.type).toBe(`urn:edge-inference:problem:${type}`);
  return body;
}

async function createKey(scopes: string[], name = "test"): Promise<{ id: string; key: string }> {
  const response = await request("POST", "/v1/admin/keys", {
    headers: bearer(ADMIN_TOKEN),
    body: { name, scopes },
  });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; key: string };
}

beforeAll(async () => {
  await seedShippedModels(env, ["kredipusula"]);
});

describe("secure by default in deployed environments", () => {
  it("requires credentials for predictions and admin, and leaves docs and probes public", async () => {
    const predict = await request("POST", "/v1/models/kredipusula/predict", {
      body: { inputs: CREDIT_SEED_REQUEST },
    });
    await expectProblem(predict, 401, "unauthorized");
    expect(predict.headers.get("www-authenticate")).toContain("Bearer");
    await expectProblem(await request("GET", "/v1/admin/models"), 401, "unauthorized");
    await expectProblem(await request("POST", "/load_version/v2_random_forest"), 401, "unauthorized");
    for (const path of ["/v2/health/live", "/openapi.json", "/docs", "/api/v1/health"]) {
      expect((await request("GET", path)).status, path).toBe(200);
    }
    const openapi = (await (await request("GET", "/openapi.json")).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        "/v1/admin/models/{model}/versions",
        "/v1/admin/models/{model}/promote",
        "/v1/admin/models/{model}/weights",
        "/v1/admin/keys",
        "/v1/admin/audit",
        "/load_version/{version_name}",
      ]),
    );
    expect((await request("GET", "/v2/health/live")).headers.get("x-auth-mode")).toBeNull();
  });

  it("accepts the admin token only as a Bearer credential, compared exactly", async () => {
    expect((await request("GET", "/v1/admin/models", { headers: bearer(ADMIN_TOKEN) })).status).toBe(200);
    await expectProblem(
      await request("GET", "/v1/admin/models", { headers: bearer(`${ADMIN_TOKEN}x`) }),
      401,
    );
    await expectProblem(
      await request("GET", "/v1/admin/models", { headers: bearer(ADMIN_TOKEN.slice(0, -1)) }),
      401,
    );
    await expectProblem(
      await request("GET", "/v1/admin/models", {
        headers: { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` },
      }),
      401,
    );
  });

  it("refuses admin calls when no admin credential is configured, or a weak one", async () => {
    const unset = await expectProblem(
      await request("GET", "/v1/admin/models", {
        vars: { ENVIRONMENT: "production", ADMIN_TOKEN: undefined },
      }),
      401,
    );
    expect(unset.detail).toContain("no ADMIN_TOKEN configured");
    await expectProblem(
      await request("GET", "/v1/admin/models", {
        headers: bearer("short-token"),
        vars: { ENVIRONMENT: "production", ADMIN_TOKEN: "short-token" },
      }),
      401,
    );
  });

  it("lets anonymous callers predict only where PUBLIC_PREDICT=true, never administer", async () => {
    const vars = { ...production, PUBLIC_PREDICT: "true" };
    expect(
      (
        await request("POST", "/v1/models/kredipusula/predict", {
          body: { inputs: CREDIT_SEED_REQUEST },
          vars,
        })
      ).status,
    ).toBe(200);
    await expectProblem(await request("GET", "/v1/admin/models", { vars }), 401);
  });
});

describe("local dev", () => {
  it("runs open without ADMIN_TOKEN and says so on every response", async () => {
    const response = await request("GET", "/v1/admin/models", {
      vars: { ENVIRONMENT: "development", ADMIN_TOKEN: undefined },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-auth-mode")).toBe("open");
  });

  it("requires credentials once ADMIN_TOKEN is set, even in development", async () => {
    const vars = { ENVIRONMENT: "development", ADMIN_TOKEN };
    await expectProblem(await request("GET", "/v1/admin/models", { vars }), 401);
    expect(
      (await request("GET", "/v1/admin/models", { vars, headers: bearer(ADMIN_TOKEN) })).headers.get(
        "x-auth-mode",
      ),
    ).toBeNull();
  });

  it("refuses wrong credentials even in open mode", async () => {
    await expectProblem(
      await request("GET", "/v1/models", {
        headers: { "x-api-key": "ek_not-a-real-key-000000000000" },
        vars: { ENVIRONMENT: "development" },
      }),
      401,
    );
  });
});

describe("API keys", () => {
  it("are shown once, stored only as a hash, scoped, and revocable", async () => {
    const { id, key } = await createKey(["predict"], "mobile");
    expect(key).toMatch(/^ek_[A-Za-z0-9_-]{43}$/);
    const stored = await env.REGISTRY.list({ prefix: "apikey:" });
    const values = await Promise.all(stored.keys.map((entry) => env.REGISTRY.get(entry.name)));
    expect(stored.keys.some((entry) => entry.name.startsWith(`apikey:${id}`))).toBe(true);
    expect(JSON.stringify({ names: stored.keys, values })).not.toContain(key);

    const listed = (await (
      await request("GET", "/v1/admin/keys", { headers: bearer(ADMIN_TOKEN) })
    ).json()) as {
      keys: { id: string; scopes: string[] }[];
    };
    expect(listed.keys.find((entry) => entry.id === id)).toMatchObject({ scopes: ["predict"] });
    expect(JSON.stringify(listed)).not.toContain(key);

    const viaHeader = await request("POST", "/v1/models/kredipusula/predict", {
      headers: { "x-api-key": key },
      body: { inputs: CREDIT_SEED_REQUEST },
    });
    expect(viaHeader.status).toBe(200);
    expect((await request("GET", "/v1/models", { headers: bearer(key) })).status).toBe(200);
    const forbidden = await expectProblem(
      await request("GET", "/v1/admin/models", { headers: bearer(key) }),
      403,
      "forbidden",
    );
    expect(forbidden.detail).toContain('"admin" scope');

    const revoked = await request("DELETE", `/v1/admin/keys/${id}`, { headers: bearer(ADMIN_TOKEN) });
    expect(revoked.status).toBe(200);
    await expectProblem(await request("GET", "/v1/models", { headers: { "x-api-key": key } }), 401);
    await expectProblem(
      await request("DELETE", "/v1/admin/keys/0000000000000000", { headers: bearer(ADMIN_TOKEN) }),
      404,
    );
  });

  it("grant admin rights with the admin scope, and audit key changes by id", async () => {
    const { id, key } = await createKey(["admin", "predict"], "ops");
    expect((await request("GET", "/v1/admin/models", { headers: { "x-api-key": key } })).status).toBe(200);
    const audit = (await (
      await request("GET", "/v1/admin/audit?action=create_key", { headers: { "x-api-key": key } })
    ).json()) as { entries: { actor: string; details: { key_id: string } }[] };
    expect(audit.entries.find((entry) => entry.details.key_id === id)).toMatchObject({
      actor: "admin-token",
    });
  });
});

describe("rate limiting", () => {
  it("limits per key with a 429 problem and Retry-After, without affecting other keys", async () => {
    const limited = await createKey(["predict"], "busy");
    const other = await createKey(["predict"], "quiet");
    let first429: Response | undefined;
    for (let i = 0; i < 700 && !first429; i += 1) {
      const response = await request("GET", "/v2/health/live", { headers: { "x-api-key": limited.key } });
      if (response.status === 429) first429 = response;
    }
    expect(first429).toBeDefined();
    const body = await expectProblem(first429 as Response, 429, "rate-limited");
    expect(body.detail).toContain("credential");
    expect(first429?.headers.get("retry-after")).toBe("60");
    expect((await request("GET", "/v2/health/live", { headers: { "x-api-key": other.key } })).status).toBe(
      200,
    );
  });

  it("limits anonymous callers per client address", async () => {
    const headers = { "cf-connecting-ip": "198.51.100.7" };
    let status = 200;
    for (let i = 0; i < 700 && status !== 429; i += 1)
      status = (await request("GET", "/v2/health/live", { headers })).status;
    expect(status).toBe(429);
    expect(
      (await request("GET", "/v2/health/live", { headers: { "cf-connecting-ip": "198.51.100.8" } })).status,
    ).toBe(200);
  });
});

describe("request limits", () => {
  it("refuses prediction bodies over 1 MiB with 413", async () => {
    const padding = "x".repeat(MAX_BODY_BYTES);
    await expectProblem(
      await request("POST", "/v1/models/kredipusula/predict", {
        headers: bearer(ADMIN_TOKEN),
        body: { inputs: CREDIT_SEED_REQUEST, padding },
      }),
      413,
      "payload-too-large",
    );
  });
});

describe("no secret in logs", () => {
  afterEach(() => vi.restoreAllMocks());

  it("never writes the admin token or an API key to the console or the audit log", async () => {
    const { key } = await createKey(["predict"], "secretive");
    const lines: string[] = [];
    for (const method of ["log", "info", "warn", "error", "debug"] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map(String).join(" "));
      });
    }
    await request("POST", "/v1/models/kredipusula/predict", {
      headers: bearer(key),
      body: { inputs: CREDIT_SEED_REQUEST },
    });
    await request("POST", "/v1/models/kredipusula/predict", { headers: bearer(key), body: "{broken" });
    await request("GET", "/v1/admin/models", { headers: bearer(`${ADMIN_TOKEN}-wrong`) });
    await request("GET", "/v1/admin/models", { headers: { "x-api-key": `${key}x` } });
    await request("POST", "/v1/admin/models/kredipusula/promote", {
      headers: bearer(ADMIN_TOKEN),
      body: { version: "nope" },
    });
    await request("POST", "/v1/admin/keys", { headers: bearer(ADMIN_TOKEN), body: { scopes: ["predict"] } });
    await request("GET", "/v1/admin/models", {
      headers: bearer("tiny"),
      vars: { ENVIRONMENT: "production", ADMIN_TOKEN: "tiny-weak-token" },
    });
    const logged = lines.join("\n");
    expect(logged).not.toContain(ADMIN_TOKEN);
    expect(logged).not.toContain(key);
    expect(logged).not.toContain("tiny-weak-token");
    const audit = await env.DB.prepare("SELECT actor, details FROM audit_log").all();
    expect(JSON.stringify(audit.results)).not.toContain(ADMIN_TOKEN);
    expect(JSON.stringify(audit.results)).not.toContain(key);
  });
});
