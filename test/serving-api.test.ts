import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { artifactKey, manifestKey } from "../worker/repository/registry-keys.ts";
import { withVersion, writeModelRecord } from "../worker/repository/registry-writer.ts";
import { MAX_BATCH_ROWS } from "../worker/vocabulary/index.ts";
import { expectProblemJson, workerClient } from "./support/http.ts";
import { CREDIT_SEED_REQUEST, RATING_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels, shippedDefaults, shippedVersion } from "./support/shipped-models.ts";

const { get, post } = workerClient();

async function expectProblem(response: Response, status: number, fields: string[] = []) {
  const body = await expectProblemJson<{
    status: number;
    title: string;
    detail: string;
    errors?: { field: string }[];
    error: string;
  }>(response, status);
  expect(response.headers.get("x-request-id")).toBeTruthy();
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  expect(body.error).toBe(body.detail);
  expect((body.errors ?? []).map((error) => error.field)).toEqual(expect.arrayContaining(fields));
  return body;
}

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("seed: KrediPusula", () => {
  it("POST /api/v1/predict answers the seed's curl example with the seed's shape", async () => {
    const response = await post("/api/v1/predict", CREDIT_SEED_REQUEST);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual([
      "approved",
      "confidence",
      "credit_score",
      "recommendation",
      "timestamp",
    ]);
    expect(body.approved).toBe(true);
    expect(body.credit_score).toBeGreaterThan(0.5);
    expect(body.recommendation).toMatch(/^Başvuru onaylandı/);
    expect(body.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(response.headers.get("x-model-version")).toBe(shippedDefaults.kredipusula);
    expect(response.headers.get("x-prediction-id")).toMatch(/^p1_[A-Za-z0-9_-]{60,200}$/);
    expect(response.headers.get("x-request-id")).toBeTruthy();
  });

  it("answers in English when Accept-Language prefers it, and declines a weak application", async () => {
    const english = await post("/api/v1/predict", CREDIT_SEED_REQUEST, {
      "accept-language": "en-US,en;q=0.9,tr;q=0.5",
    });
    expect(((await english.json()) as { recommendation: string }).recommendation).toMatch(
      /^Application approved/,
    );
    const weak = { income: 9000, age: 19, credit_history: "poor", loan_amount: 90000, employment_years: 0 };
    const declined = (await (await post("/api/v1/predict", weak)).json()) as {
      approved: boolean;
      confidence: number;
      credit_score: number;
    };
    expect(declined.approved).toBe(false);
    // confidence is cost-weighted at the manifest threshold (test/credit-decision.test.ts); far below it ~ 1 - p
    expect(declined.confidence).toBeGreaterThanOrEqual(1 - declined.credit_score - 0.01);
  });

  it("names every bad field with 422, never 500", async () => {
    const body = await expectProblem(
      await post("/api/v1/predict", { income: "lots", age: 12, credit_history: "stellar", extra: 1 }),
      422,
      ["income", "age", "credit_history", "extra", "loan_amount", "employment_years"],
    );
    expect(body.detail).toContain("income");
  });

  it("rejects malformed JSON with 400 problem+json", async () => {
    await expectProblem(await post("/api/v1/predict", "{not json"), 400);
  });

  it("GET /api/v1/health and /api/v1/model-info describe the live credit model", async () => {
    const health = await get("/api/v1/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({
      status: "healthy",
      model_loaded: true,
      version: shippedDefaults.kredipusula,
    });
    const info = (await (await get("/api/v1/model-info")).json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      model: "kredipusula",
      version: shippedDefaults.kredipusula,
      task: "binary_classification",
    });
    expect((info.features as { name: string }[]).map((feature) => feature.name)).toEqual(
      expect.arrayContaining(Object.keys(CREDIT_SEED_REQUEST)),
    );
    expect(info.metrics).toHaveProperty("auc");
  });
});

describe("seed: recommender", () => {
  it("POST /predict answers the seed's curl example with a rating, the version and a conformal interval", async () => {
    const response = await post("/predict", RATING_SEED_REQUEST);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      predicted_rating: number;
      confidence_interval: { level: number; lower: number; upper: number };
      model_version: string;
      prediction_id: string;
    };
    expect(body.predicted_rating).toBeGreaterThanOrEqual(1);
    expect(body.predicted_rating).toBeLessThanOrEqual(5);
    expect(body.model_version).toBe(shippedDefaults.recommender);
    expect(body.confidence_interval.level).toBe(0.9);
    expect(body.confidence_interval.lower).toBeLessThanOrEqual(body.predicted_rating);
    expect(body.confidence_interval.upper).toBeGreaterThanOrEqual(body.predicted_rating);
    expect(body.prediction_id).toMatch(/^p1_[A-Za-z0-9_-]{60,200}$/);
  });

  it("serves version_name explicitly (body or query) and 404s an unknown one", async () => {
    const explicit = await post("/predict", { ...RATING_SEED_REQUEST, version_name: "v2_random_forest" });
    expect(explicit.status).toBe(200);
    expect(((await explicit.json()) as { model_version: string }).model_version).toBe("v2_random_forest");
    expect(explicit.headers.get("x-model-route")).toBe("explicit");
    const viaQuery = await post("/predict?version_name=v2_random_forest", RATING_SEED_REQUEST);
    expect(viaQuery.headers.get("x-model-version")).toBe("v2_random_forest");
    await expectProblem(await post("/predict", { ...RATING_SEED_REQUEST, version_name: "v9_missing" }), 404);
  });

  it("enable_ab_testing splits across versions, sticky per user_id", async () => {
    const seen = new Set<string>();
    for (let user = 1; user <= 40; user += 1) {
      const response = await post("/predict", {
        ...RATING_SEED_REQUEST,
        user_id: user,
        enable_ab_testing: true,
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { model_version: string; routing: string };
      expect(body.routing).toBe("ab");
      seen.add(body.model_version);
      const again = (await (
        await post("/predict", { ...RATING_SEED_REQUEST, user_id: user, enable_ab_testing: true })
      ).json()) as {
        model_version: string;
      };
      expect(again.model_version).toBe(body.model_version);
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it("scores a batch (JSON array) in one call and validates every row", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({ ...RATING_SEED_REQUEST, user_id: (i % 100) + 1 }));
    const response = await post("/predict", rows);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { predictions: unknown[] }).predictions).toHaveLength(25);
    await expectProblem(
      await post("/predict", [
        RATING_SEED_REQUEST,
        { ...RATING_SEED_REQUEST, user_age: 5, user_gender: "X" },
      ]),
      422,
      ["[1].user_age", "[1].user_gender"],
    );
  });

  it("GET /versions lists every version with metrics; /model_health says honestly when there is no window", async () => {
    const versions = (await (await get("/versions")).json()) as {
      current_version: string;
      versions: { version: string; metrics: object }[];
    };
    expect(versions.current_version).toBe(shippedDefaults.recommender);
    expect(versions.versions.map((entry) => entry.version)).toEqual(
      expect.arrayContaining(["v1_auto_select", "v2_random_forest"]),
    );
    expect(versions.versions[0]?.metrics).toHaveProperty("rmse");
    const health = await get("/model_health");
    expect(health.status).toBe(200);
    expect(await health.json()).toHaveProperty("window_hours", 24);
  });
});

describe("generic /v1 API", () => {
  it("lists models, describes one and its versions", async () => {
    const list = (await (await get("/v1/models")).json()) as { models: { name: string }[] };
    expect(list.models.map((model) => model.name)).toEqual(
      expect.arrayContaining(["kredipusula", "recommender"]),
    );
    const model = (await (await get("/v1/models/recommender")).json()) as {
      default_version: string;
      signature: { features: unknown[] };
    };
    expect(model.default_version).toBe(shippedDefaults.recommender);
    expect(model.signature.features).toHaveLength(6);
    const versions = (await (await get("/v1/models/kredipusula/versions")).json()) as {
      versions: { version: string; is_default: boolean }[];
    };
    expect(versions.versions.filter((entry) => entry.is_default)).toHaveLength(1);
    const one = await get(`/v1/models/kredipusula/versions/${shippedDefaults.kredipusula}`);
    expect(((await one.json()) as { manifest: { model: string } }).manifest.model).toBe("kredipusula");
  });

  it("predicts one row and a 1,000-row batch with explicit version", async () => {
    const single = await post("/v1/models/kredipusula/predict", { inputs: CREDIT_SEED_REQUEST });
    const body = (await single.json()) as {
      predictions: { id: string; probability: number; label: number }[];
      route: string;
    };
    expect(body.route).toBe("default");
    expect(body.predictions[0]?.label).toBe(1);
    const manifest = shippedVersion("recommender", "v1_auto_select").manifest;
    const instances = Array.from(
      { length: MAX_BATCH_ROWS },
      (_, i) => manifest.examples[i % manifest.examples.length]?.inputs,
    );
    const batch = await post("/v1/models/recommender/predict", {
      instances,
      version: "v1_auto_select",
      interval_level: 0.95,
    });
    expect(batch.status).toBe(200);
    const scored = (await batch.json()) as {
      version: string;
      predictions: { value: number; interval: { level: number } }[];
    };
    expect(scored.version).toBe("v1_auto_select");
    expect(scored.predictions).toHaveLength(MAX_BATCH_ROWS);
    expect(scored.predictions[0]?.interval.level).toBe(0.95);
  });

  it("rejects empty and oversized batches, bad envelopes and unknown interval levels with 422", async () => {
    await expectProblem(await post("/v1/models/recommender/predict", { instances: [] }), 422, ["instances"]);
    const tooMany = Array.from({ length: MAX_BATCH_ROWS + 1 }, () => RATING_SEED_REQUEST);
    await expectProblem(await post("/v1/models/recommender/predict", { instances: tooMany }), 422, [
      "instances",
    ]);
    await expectProblem(
      await post("/v1/models/recommender/predict", {
        inputs: RATING_SEED_REQUEST,
        instances: [RATING_SEED_REQUEST],
      }),
      422,
      ["inputs"],
    );
    await expectProblem(
      await post("/v1/models/recommender/predict", { inputs: RATING_SEED_REQUEST, colour: "red" }),
      422,
    );
    await expectProblem(
      await post("/v1/models/recommender/predict", { inputs: RATING_SEED_REQUEST, interval_level: 0.5 }),
      422,
      ["interval_level"],
    );
    await expectProblem(
      await post("/v1/models/recommender/predict", {
        instances: [RATING_SEED_REQUEST, { ...RATING_SEED_REQUEST, item_id: 51 }],
      }),
      422,
      ["instances[1].item_id"],
    );
  });

  it("404s unknown models and versions, 405s wrong methods, 404s unknown paths — all problem+json", async () => {
    await expectProblem(await post("/v1/models/nope/predict", { inputs: {} }), 404);
    await expectProblem(await get("/v1/models/nope"), 404);
    await expectProblem(
      await post("/v1/models/recommender/predict", { inputs: RATING_SEED_REQUEST, version: "v0" }),
      404,
    );
    const wrongMethod = await get("/v1/models/recommender/predict");
    await expectProblem(wrongMethod, 405);
    expect(wrongMethod.headers.get("allow")).toContain("POST");
    await expectProblem(await get("/no/such/path"), 404);
  });

  it("recommends the top-k catalog items for a user, scored in one batch", async () => {
    const response = await post("/v1/models/recommender/recommendations", {
      user: { user_id: 7, user_age: 30, user_gender: "F" },
      k: 5,
      exclude: [1, 2],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { item: { item_id: number }; score: number }[] };
    expect(body.items).toHaveLength(5);
    const scores = body.items.map((entry) => entry.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(body.items.map((entry) => entry.item.item_id)).not.toContain(1);
    const requestId = response.headers.get("x-request-id") ?? "";
    let logged: { route: string }[] = [];
    for (let attempt = 0; attempt < 100 && logged.length < 5; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      logged = (
        await env.DB.prepare("SELECT route FROM predictions WHERE request_id = ?")
          .bind(requestId)
          .all<{ route: string }>()
      ).results;
    }
    // Only the five items returned are logged, as "recommend" rows, not the 48 catalog items scored.
    expect(logged.map((row) => row.route)).toEqual(Array(5).fill("recommend"));
    await expectProblem(
      await post("/v1/models/recommender/recommendations", {
        user: { user_id: 7, user_age: 3, user_gender: "F" },
      }),
      422,
      ["user.user_age"],
    );
    await expectProblem(await post("/v1/models/kredipusula/recommendations", { user: {} }), 404);
  });

  it("never resolves a version name through the object prototype", async () => {
    await expectProblem(
      await post("/v1/models/kredipusula/predict", { inputs: CREDIT_SEED_REQUEST, version: "constructor" }),
      404,
    );
    await expectProblem(await get("/v1/models/kredipusula/versions/constructor"), 404);
    await expectProblem(await get("/v2/models/kredipusula/versions/constructor"), 404);
  });

  it("keeps the caller's x-request-id", async () => {
    const response = await get("/v1/models", { "x-request-id": "trace-123" });
    expect(response.headers.get("x-request-id")).toBe("trace-123");
  });
});

describe("unavailable artifacts", () => {
  // Sessions are keyed by artifact sha256, so each case uses bytes no other test in this file has loaded.
  async function publishBroken(model: string, source: string, corrupt: boolean) {
    const { manifest, bytes } = shippedVersion("german_credit", source);
    const broken = { ...manifest, model };
    const record = withVersion(null, broken, new Date().toISOString());
    await env.REGISTRY.put(manifestKey(model, broken.version), JSON.stringify(broken));
    await writeModelRecord(env.REGISTRY, record);
    if (corrupt) {
      const tampered = bytes.slice();
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 0xff;
      await env.ARTIFACTS.put(artifactKey(model, broken.version), tampered);
    }
  }

  it("answers 503 with Retry-After when the artifact is missing or fails its sha256, and never serves it", async () => {
    await publishBroken("broken-missing", "v1_logreg", false);
    await publishBroken("broken-corrupt", "v2_gbm", true);
    for (const model of ["broken-missing", "broken-corrupt"]) {
      const inputs = shippedVersion("german_credit", "v1_logreg").manifest.examples[0]?.inputs;
      const response = await post(`/v1/models/${model}/predict`, { inputs });
      expect(response.headers.get("retry-after")).toBe("30");
      await expectProblem(response, 503);
    }
  });

  it("logs a server-side failure once, without its payload, and a client's invalid rows not at all", async () => {
    const invalidId = `invalid-${crypto.randomUUID()}`;
    const failedId = `failed-${crypto.randomUUID()}`;
    const invalid = await post(
      "/v1/models/kredipusula/predict",
      { instances: [{ ...CREDIT_SEED_REQUEST, age: 3 }, CREDIT_SEED_REQUEST] },
      { "x-request-id": invalidId },
    );
    expect(invalid.status).toBe(422);
    const inputs = shippedVersion("german_credit", "v1_logreg").manifest.examples[0]?.inputs;
    const failed = await post("/v1/models/broken-missing/predict", { inputs }, { "x-request-id": failedId });
    expect(failed.status).toBe(503);
    const rowsOf = async (requestId: string) =>
      (
        await env.DB.prepare("SELECT status, inputs, error, version FROM predictions WHERE request_id = ?")
          .bind(requestId)
          .all<{ status: string; inputs: string; error: string; version: string }>()
      ).results;
    let rows = await rowsOf(failedId);
    for (let attempt = 0; attempt < 100 && rows.length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      rows = await rowsOf(failedId);
    }
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: "error", inputs: "{}", version: "v1_logreg" });
    expect(rows[0]?.error).toMatch(/^503 artifact-unavailable: /);
    expect(await rowsOf(invalidId)).toEqual([]);
  });
});

describe("Open Inference Protocol v2", () => {
  it("health, metadata and infer by model and by version", async () => {
    expect(await (await get("/v2/health/live")).json()).toEqual({ live: true });
    expect((await get("/v2/health/ready")).status).toBe(200);
    const metadata = (await (await get("/v2/models/kredipusula")).json()) as {
      platform: string;
      inputs: { name: string; datatype: string }[];
    };
    expect(metadata.platform).toBe("edge_compact");
    expect(metadata.inputs.find((input) => input.name === "credit_history")?.datatype).toBe("BYTES");
    expect((await get("/v2/models/kredipusula/ready")).status).toBe(200);
    const inputs = Object.entries(CREDIT_SEED_REQUEST).map(([name, value]) => ({
      name,
      shape: [2, 1],
      datatype: typeof value === "string" ? "BYTES" : "FP32",
      data: [value, value],
    }));
    const response = await post("/v2/models/kredipusula/infer", { id: "req-1", inputs });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      id: string;
      model_name: string;
      outputs: { name: string; shape: number[]; data: unknown[] }[];
    };
    expect(body.id).toBe("req-1");
    expect(body.outputs.find((output) => output.name === "probability")?.shape).toEqual([2]);
    const byVersion = await post("/v2/models/recommender/versions/v2_random_forest/infer", {
      inputs: Object.entries(RATING_SEED_REQUEST).map(([name, value]) => ({
        name,
        shape: [1],
        datatype: typeof value === "string" ? "BYTES" : "FP32",
        data: [value],
      })),
      outputs: [{ name: "prediction" }],
    });
    const versioned = (await byVersion.json()) as { model_version: string; outputs: { name: string }[] };
    expect(versioned.model_version).toBe("v2_random_forest");
    expect(versioned.outputs.map((output) => output.name)).toEqual(["prediction"]);
  });

  it("answers a hostile nesting depth with 422, not a stack overflow", async () => {
    const depth = 100_000;
    const data = `${"[".repeat(depth)}1${"]".repeat(depth)}`;
    const body = `{"inputs":[{"name":"income","shape":[1],"datatype":"FP32","data":${data}}]}`;
    await expectProblem(await post("/v2/models/kredipusula/infer", body), 422, ["inputs[0].data"]);
  });

  it("reports tensor shape mistakes as 422 naming the input", async () => {
    const response = await post("/v2/models/kredipusula/infer", {
      inputs: [{ name: "income", shape: [2], datatype: "FP32", data: [1] }],
    });
    await expectProblem(response, 422, ["inputs[0].data"]);
  });
});

describe("docs", () => {
  it("serves the OpenAPI document generated from the zod schemas, and Swagger UI without a CDN", async () => {
    const spec = (await (await get("/openapi.json")).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(spec.openapi).toBe("3.1.0");
    for (const path of [
      "/v1/models/{model}/predict",
      "/api/v1/predict",
      "/predict",
      "/v2/models/{model}/infer",
      "/versions",
    ]) {
      expect(spec.paths).toHaveProperty([path]);
    }
    const operations = spec.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;
    const predict = operations["/v1/models/{model}/predict"]?.post?.responses ?? {};
    expect(Object.keys(predict)).toEqual(
      expect.arrayContaining(["200", "401", "403", "413", "422", "429", "503"]),
    );
    // Public: no credentials required (a wrong one is still a 401, so that stays documented).
    expect((operations["/v2/health/live"]?.get as { security?: unknown })?.security).toEqual([]);
    const html = await (await get("/docs")).text();
    expect(html).toContain("/docs/swagger-ui-bundle.js");
    expect(html).not.toMatch(/https?:\/\//);
    // the Worker serves Swagger UI's files itself (test/static-files.test.ts has the details)
    const bundle = await get("/docs/swagger-ui-bundle.js");
    expect(bundle.status).toBe(200);
    expect(await bundle.text()).toContain("SwaggerUIBundle");
  });
});
