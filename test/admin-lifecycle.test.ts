import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Manifest } from "../worker/contracts/manifest.ts";
import { MAX_ONNX_ARTIFACT_BYTES } from "../worker/inference/edge-limits.ts";
import { sha256Hex } from "../worker/platform/digest.ts";
import { updateModelRecord } from "../worker/repository/registry-store.ts";
import { BASE, workerClient } from "./support/http.ts";
import { CREDIT_SEED_REQUEST, RATING_SEED_REQUEST } from "./support/seed-requests.ts";
import { seedShippedModels, shippedVersion } from "./support/shipped-models.ts";

/** Admin lifecycle through the Worker in local open mode (wrangler.toml ENVIRONMENT=development). */

const { call } = workerClient();

function publishForm(manifest: unknown, bytes: Uint8Array): FormData {
  const form = new FormData();
  form.append("manifest", typeof manifest === "string" ? manifest : JSON.stringify(manifest));
  form.append("model", new File([bytes], "model.onnx", { type: "application/octet-stream" }));
  return form;
}

const publish = (model: string, manifest: unknown, bytes: Uint8Array) =>
  SELF.fetch(`${BASE}/v1/admin/models/${model}/versions`, {
    method: "POST",
    body: publishForm(manifest, bytes),
  });

/** A shipped version under a new version name: same bytes, consistent manifest. */
function candidate(model: string, from: string, version: string): { manifest: Manifest; bytes: Uint8Array } {
  const shipped = shippedVersion(model, from);
  return { manifest: structuredClone({ ...shipped.manifest, version }), bytes: shipped.bytes };
}

async function problem(response: Response, status: number, type?: string) {
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = (await response.json()) as { status: number; type: string; errors?: { field: string }[] };
  expect({ status: response.status, type: body.type }).toEqual({
    status,
    type: type ? `urn:edge-inference:problem:${type}` : body.type,
  });
  return body;
}

async function creditPrediction(headers: Record<string, string> = {}) {
  const response = await call(
    "POST",
    "/v1/models/kredipusula/predict",
    { inputs: CREDIT_SEED_REQUEST },
    headers,
  );
  expect(response.status).toBe(200);
  return {
    version: response.headers.get("x-model-version"),
    route: response.headers.get("x-model-route"),
    requestId: response.headers.get("x-request-id"),
    body: (await response.json()) as { version: string; route: string },
  };
}

async function auditActions(model: string): Promise<string[]> {
  const response = await call("GET", `/v1/admin/audit?model=${model}&limit=100`);
  expect(response.status).toBe(200);
  const body = (await response.json()) as { entries: { action: string; version: string | null }[] };
  return body.entries.map((entry) => `${entry.action}${entry.version ? ` ${entry.version}` : ""}`).reverse();
}

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("publish", () => {
  it("accepts a verified version with no traffic, and is idempotent for identical uploads", async () => {
    const { manifest, bytes } = candidate("kredipusula", "v1_logreg_calibrated", "v5_publish_ok");
    const response = await publish("kredipusula", manifest, bytes);
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      status: string;
      verification: { examples: number; max_abs_error: number; engine: string };
      registry: { default_version: string; versions: Record<string, { status: string }> };
    };
    expect(body.status).toBe("created");
    expect(body.verification.examples).toBe(manifest.examples.length);
    expect(body.verification.max_abs_error).toBeLessThan(1e-4);
    expect(body.verification.engine).toBe("compact");
    expect(body.registry.versions.v5_publish_ok?.status).toBe("active");
    expect(body.registry.default_version).not.toBe("v5_publish_ok");
    expect((await creditPrediction()).version).toBe(body.registry.default_version);
    expect((await creditPrediction({})).route).toBe("default");

    const again = await publish("kredipusula", manifest, bytes);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe("unchanged");
    const explicit = await call("POST", "/v1/models/kredipusula/predict", {
      inputs: CREDIT_SEED_REQUEST,
      version: "v5_publish_ok",
    });
    expect(explicit.headers.get("x-model-version")).toBe("v5_publish_ok");
    expect(explicit.headers.get("x-model-route")).toBe("explicit");
  });

  it("refuses different bytes or a different manifest under a published version", async () => {
    const other = shippedVersion("kredipusula", "v2_gbm");
    const { manifest } = candidate("kredipusula", "v1_logreg_calibrated", "v1_logreg_calibrated");
    const swapped = {
      ...manifest,
      artifact: { ...manifest.artifact, sha256: await sha256Hex(other.bytes), bytes: other.bytes.byteLength },
    };
    await problem(await publish("kredipusula", swapped, other.bytes), 409, "version-exists");
    const original = shippedVersion("kredipusula", "v1_logreg_calibrated");
    const edited = { ...original.manifest, description: "rewritten history" };
    await problem(await publish("kredipusula", edited, original.bytes), 409, "version-exists");
    const record = (await (await call("GET", "/v1/admin/models/kredipusula")).json()) as {
      versions: Record<string, { sha256: string }>;
    };
    expect(record.versions.v1_logreg_calibrated?.sha256).toBe(original.manifest.artifact.sha256);
  });

  it("names each rejection reason, and writes nothing for a rejected version", async () => {
    const { manifest, bytes } = candidate("kredipusula", "v1_logreg_calibrated", "v6_rejected");
    const cases: Array<[string, unknown, Uint8Array, number, string, string?]> = [
      ["not JSON", "{nope", bytes, 422, "manifest-invalid", "manifest"],
      ["schema", { ...manifest, features: [] }, bytes, 422, "manifest-invalid", "manifest.features"],
      [
        "other model",
        { ...manifest, model: "recommender" },
        bytes,
        422,
        "manifest-invalid",
        "manifest.model",
      ],
      [
        "sha256",
        { ...manifest, artifact: { ...manifest.artifact, sha256: "a".repeat(64) } },
        bytes,
        422,
        "artifact-mismatch",
        "manifest.artifact.sha256",
      ],
    ];
    const garbage = new TextEncoder().encode("definitely not an onnx graph");
    const garbageManifest = {
      ...manifest,
      artifact: { ...manifest.artifact, sha256: await sha256Hex(garbage), bytes: garbage.byteLength },
    };
    cases.push(["unloadable", garbageManifest, garbage, 422, "onnx-invalid", "model"]);
    const renamed = structuredClone(manifest);
    (renamed.onnx.inputs[0] as { name: string }).name = "salary";
    for (const feature of renamed.features) if (feature.input === "income") feature.input = "salary";
    cases.push(["signature", renamed, bytes, 422, "signature-mismatch", "manifest.onnx.inputs[0].name"]);
    const wrongExample = structuredClone(manifest);
    (wrongExample.examples[0] as { expected: { output: number } }).expected.output += 0.05;
    cases.push([
      "examples",
      wrongExample,
      bytes,
      422,
      "examples-mismatch",
      "manifest.examples[0].expected.output",
    ]);
    const big = new Uint8Array(MAX_ONNX_ARTIFACT_BYTES + 1);
    const bigManifest = {
      ...manifest,
      artifact: { ...manifest.artifact, sha256: await sha256Hex(big), bytes: big.byteLength },
    };
    cases.push(["size budget", bigManifest, big, 413, "artifact-too-large", "model"]);

    for (const [name, body, upload, status, type, field] of cases) {
      const rejected = await problem(await publish("kredipusula", body, upload), status, type);
      if (field)
        expect(
          rejected.errors?.map((error) => error.field),
          name,
        ).toContain(field);
    }
    const missing = await SELF.fetch(`${BASE}/v1/admin/models/kredipusula/versions`, {
      method: "POST",
      body: new FormData(),
    });
    await problem(missing, 422, "validation");

    const record = (await (await call("GET", "/v1/admin/models/kredipusula")).json()) as {
      versions: Record<string, unknown>;
    };
    expect(record.versions.v6_rejected).toBeUndefined();
    expect(await env.ARTIFACTS.head("models/kredipusula/v6_rejected/model.onnx")).toBeNull();
    expect(await env.REGISTRY.get("manifest:kredipusula:v6_rejected")).toBeNull();
  });

  it("creates a new model with its first version as the default", async () => {
    const shipped = shippedVersion("german_credit", "v1_logreg");
    const manifest = { ...shipped.manifest, model: "german_credit_eu" };
    const response = await publish("german_credit_eu", manifest, shipped.bytes);
    expect(response.status).toBe(201);
    const predicted = await call("POST", "/v1/models/german_credit_eu/predict", {
      inputs: shipped.manifest.examples[0]?.inputs,
    });
    expect(predicted.status).toBe(200);
    expect(predicted.headers.get("x-model-version")).toBe("v1_logreg");
  });
});

describe("the five-step release: publish, shadow, 10 % A/B, promote, roll back", () => {
  it("makes each step visible to the next prediction and audits every change", async () => {
    const model = "kredipusula";
    const before = await creditPrediction();
    const champion = before.version as string;
    const { manifest, bytes } = candidate(model, "v1_logreg_calibrated", "v7_candidate");

    expect((await publish(model, manifest, bytes)).status).toBe(201);
    expect((await creditPrediction()).version).toBe(champion);

    expect((await call("PUT", `/v1/admin/models/${model}/shadows/v7_candidate`)).status).toBe(200);
    const shadowed = await creditPrediction({ "x-subject-id": "shadow-check" });
    expect(shadowed.version).toBe(champion);
    expect(shadowed.body.version).toBe(champion);
    const shadowRows = await waitForRows(
      "SELECT version, route FROM predictions WHERE request_id = ? ORDER BY route",
      shadowed.requestId as string,
      2,
    );
    expect(shadowRows).toEqual([
      { version: champion, route: "default" },
      { version: "v7_candidate", route: "shadow" },
    ]);

    const weights = { [champion]: 0.9, v7_candidate: 0.1 };
    expect((await call("PUT", `/v1/admin/models/${model}/weights`, { weights })).status).toBe(200);
    const arms = await Promise.all(
      Array.from({ length: 300 }, (_, index) => creditPrediction({ "x-subject-id": `release-${index}` })),
    );
    expect(arms.every((arm) => arm.route === "ab")).toBe(true);
    const share = arms.filter((arm) => arm.version === "v7_candidate").length / arms.length;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.15);

    expect(
      (await call("POST", `/v1/admin/models/${model}/promote`, { version: "v7_candidate" })).status,
    ).toBe(200);
    expect(await creditPrediction()).toMatchObject({ version: "v7_candidate", route: "default" });

    const rolledBack = await call("POST", `/v1/admin/models/${model}/rollback`);
    expect(rolledBack.status).toBe(200);
    expect(await creditPrediction()).toMatchObject({ version: champion, route: "default" });

    const actions = await auditActions(model);
    expect(actions.slice(-5)).toEqual([
      "publish v7_candidate",
      "add_shadow v7_candidate",
      "set_weights",
      "promote v7_candidate",
      "rollback",
    ]);
  });
});

async function waitForRows(sql: string, bind: string, count: number) {
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const rows = await env.DB.prepare(sql).bind(bind).all();
    if (rows.results.length >= count) return rows.results;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return (await env.DB.prepare(sql).bind(bind).all()).results;
}

describe("A/B routing through the API", () => {
  it("keeps a subject on one arm and splits subjects close to the weights", {
    timeout: 180_000,
  }, async () => {
    // Two small models, so the HTTP loop measures routing rather than tree-ensemble inference.
    const weights = { v1_logreg: 0.7, v2_gbm: 0.3 };
    expect((await call("PUT", "/v1/admin/models/german_credit/weights", { weights })).status).toBe(200);
    // A fixed salt makes the split below one fixed draw; each record's random salt made it a new draw per run,
    // and a 3-sd bound then fails about once in 400 runs.
    await updateModelRecord(
      env,
      "german_credit",
      (record) => record && { ...record, traffic: { ...record.traffic, salt: "served-split-test" } },
      { actor: "test", action: "set_salt" },
    );
    const inputs = shippedVersion("german_credit", "v1_logreg").manifest.examples[0]?.inputs;
    const predict = async (subject: string) => {
      // Its own client address, so this many requests stay under the anonymous per-IP rate limit.
      const response = await call(
        "POST",
        "/v1/models/german_credit/predict",
        { inputs },
        {
          "x-subject-id": subject,
          "cf-connecting-ip": "192.0.2.10",
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("x-model-route")).toBe("ab");
      return response.headers.get("x-model-version");
    };
    const first = await predict("sticky-user");
    for (let i = 0; i < 10; i += 1) expect(await predict("sticky-user")).toBe(first);

    // The 20,000-subject tolerance is checked without HTTP in ab-assignment.test.ts; here the served split.
    const subjects = 300;
    let second = 0;
    for (let start = 0; start < subjects; start += 50) {
      const versions = await Promise.all(
        Array.from({ length: 50 }, (_, offset) => predict(`split-${start + offset}`)),
      );
      second += versions.filter((version) => version === "v2_gbm").length;
    }
    // Binomial sd at n = 300, p = 0.3 is ~0.026: ±0.08 is about 3 sd.
    expect(Math.abs(second / subjects - 0.3)).toBeLessThan(0.08);
    expect((await call("PUT", "/v1/admin/models/german_credit/weights", { weights: {} })).status).toBe(200);
  });

  it("uses the recommender's user_id for sticky assignment when no X-Subject-Id is sent", {
    timeout: 120_000,
  }, async () => {
    await call("PUT", "/v1/admin/models/recommender/weights", {
      weights: { v3_rf_tuned: 0.5, v4_xgboost: 0.5 },
    });
    const versions = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      const response = await call("POST", "/predict", { ...RATING_SEED_REQUEST, user_id: 7, item_id: i + 1 });
      versions.add(((await response.json()) as { model_version: string }).model_version);
    }
    expect(versions.size).toBe(1);
    await call("PUT", "/v1/admin/models/recommender/weights", { weights: {} });
  });

  it("rejects invalid weights with the field that is wrong", async () => {
    const response = await call("PUT", "/v1/admin/models/recommender/weights", {
      weights: { v1_auto_select: 0.6, v2_random_forest: 0.3 },
    });
    const body = await problem(response, 422, "validation");
    expect(body.errors?.map((error) => error.field)).toEqual(["weights"]);
  });
});

describe("monitoring thresholds", () => {
  it("overrides a subset per model, audited, and names a bad field", async () => {
    const response = await call("PUT", "/v1/admin/models/german_credit/thresholds", {
      auc_min: 0.72,
      window_hours: 48,
    });
    expect(response.status).toBe(200);
    const view = (await response.json()) as { thresholds: Record<string, number> };
    expect(view.thresholds).toMatchObject({ auc_min: 0.72, window_hours: 48, psi_drift: 0.25 });
    const conflicting = await call("PUT", "/v1/admin/models/german_credit/thresholds", { psi_warn: 0.3 });
    expect((await problem(conflicting, 422, "validation")).errors?.map((error) => error.field)).toEqual([
      "psi_warn",
    ]);
    const unknown = await call("PUT", "/v1/admin/models/german_credit/thresholds", { rmse_maximum: 1 });
    await problem(unknown, 422, "validation");
    const audit = (await (
      await call("GET", "/v1/admin/audit?model=german_credit&action=set_thresholds")
    ).json()) as {
      entries: { action: string; details: { set: Record<string, number> } }[];
    };
    expect(audit.entries[0]?.details.set).toEqual({ auc_min: 0.72, window_hours: 48 });
  });
});

describe("seed: recommender version switching and A/B, verbatim", () => {
  it("GET /versions, POST /load_version/{version_name}, POST /predict with version_name and enable_ab_testing", async () => {
    const listed = (await (await call("GET", "/versions")).json()) as {
      current_version: string;
      versions: unknown[];
    };
    expect(listed.versions).toHaveLength(5);

    const loaded = await call("POST", "/load_version/v2_random_forest");
    expect(loaded.status).toBe(200);
    expect(loaded.headers.get("x-auth-mode")).toBe("open");
    expect(await loaded.json()).toMatchObject({ status: "success", current_version: "v2_random_forest" });
    expect(
      ((await (await call("GET", "/versions")).json()) as { current_version: string }).current_version,
    ).toBe("v2_random_forest");
    const served = (await (await call("POST", "/predict", RATING_SEED_REQUEST)).json()) as {
      model_version: string;
    };
    expect(served.model_version).toBe("v2_random_forest");

    const pinned = (await (
      await call("POST", "/predict", { ...RATING_SEED_REQUEST, version_name: "v4_xgboost" })
    ).json()) as {
      model_version: string;
      routing: string;
    };
    expect(pinned).toMatchObject({ model_version: "v4_xgboost", routing: "explicit" });

    const ab = (await (
      await call("POST", "/predict?enable_ab_testing=true", RATING_SEED_REQUEST)
    ).json()) as {
      model_version: string;
      ab_testing: boolean;
    };
    expect(ab.ab_testing).toBe(true);
    expect(["v1_auto_select", "v2_random_forest", "v3_rf_tuned", "v4_xgboost", "v5_additive"]).toContain(
      ab.model_version,
    );

    await problem(await call("POST", "/load_version/v9_missing"), 404, "version-not-found");
    expect(await auditActions("recommender")).toContain("promote v2_random_forest");
    await call("POST", "/load_version/v1_auto_select");
  });
});

describe("archive and restore", () => {
  it("stops serving an archived version, refuses archiving the default, and restores", async () => {
    const { manifest, bytes } = candidate("kredipusula", "v2_gbm", "v8_archivable");
    expect((await publish("kredipusula", manifest, bytes)).status).toBe(201);
    expect((await call("POST", "/v1/admin/models/kredipusula/versions/v8_archivable/archive")).status).toBe(
      200,
    );
    const refused = await call("POST", "/v1/models/kredipusula/predict", {
      inputs: CREDIT_SEED_REQUEST,
      version: "v8_archivable",
    });
    await problem(refused, 409, "version-archived");
    const current = (await creditPrediction()).version as string;
    await problem(
      await call("POST", `/v1/admin/models/kredipusula/versions/${current}/archive`),
      409,
      "version-is-default",
    );
    expect((await call("POST", "/v1/admin/models/kredipusula/versions/v8_archivable/restore")).status).toBe(
      200,
    );
    const served = await call("POST", "/v1/models/kredipusula/predict", {
      inputs: CREDIT_SEED_REQUEST,
      version: "v8_archivable",
    });
    expect(served.status).toBe(200);
  });
});
