import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { type Manifest, manifestSchema } from "../worker/contracts/manifest.ts";
import { publishVersion } from "../worker/data-plane/publish-service.ts";
import { COMPACT_FORMAT_VERSION } from "../worker/engine/index.ts";
import { MAX_ORT_ARTIFACT_BYTES, MAX_SESSION_BYTES } from "../worker/inference/edge-limits.ts";
import { validateRows } from "../worker/inference/feature-validation.ts";
import type { EngineTensor, ModelEngine } from "../worker/inference/model-engine.ts";
import { compiledRebuilds, sessionCache, withModelSession } from "../worker/inference/model-sessions.ts";
import { openOrtEngine } from "../worker/inference/ort-engine.ts";
import { predictRows } from "../worker/inference/predictor.ts";
import { randomRows } from "../worker/inference/random-rows.ts";
import { rowsToFeeds } from "../worker/inference/tensor-mapping.ts";
import { sha256Hex } from "../worker/platform/digest.ts";
import { readCompiled } from "../worker/repository/compiled-store.ts";
import { artifactKey, compiledKey, manifestKey } from "../worker/repository/registry-keys.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { withVersion, writeModelRecord } from "../worker/repository/registry-writer.ts";
import { BASE, expectProblemJson, workerClient } from "./support/http.ts";
import { seedShippedModels, shippedVersion, shippedVersions } from "./support/shipped-models.ts";

/**
 * The engine layer end to end inside workerd. This is the one test file that boots onnxruntime-web: the
 * compact engine is compared with it here, and the ORT-only fixture is published and served here.
 */

const { get, post } = workerClient();

const fixtureManifests = import.meta.glob<{ default: unknown }>("./fixtures/onnx/*.manifest.json", {
  eager: true,
});
const fixtureModels = import.meta.glob<{ default: ArrayBuffer }>("./fixtures/onnx/*.onnx", { eager: true });

function fixture(name: string): { manifest: Manifest; bytes: Uint8Array } {
  const manifest = fixtureManifests[`./fixtures/onnx/${name}.manifest.json`];
  const model = fixtureModels[`./fixtures/onnx/${name}.onnx`];
  if (!manifest || !model) throw new Error(`no fixture ${name}`);
  return { manifest: manifestSchema.parse(manifest.default), bytes: new Uint8Array(model.default) };
}

function publishForm(manifest: unknown, bytes: Uint8Array, engine?: string): FormData {
  const form = new FormData();
  form.append("manifest", JSON.stringify(manifest));
  form.append("model", new File([bytes], "model.onnx", { type: "application/octet-stream" }));
  if (engine) form.append("engine", engine);
  return form;
}

const publish = (model: string, manifest: unknown, bytes: Uint8Array, engine?: string) =>
  SELF.fetch(`${BASE}/v1/admin/models/${model}/versions`, {
    method: "POST",
    body: publishForm(manifest, bytes, engine),
  });

interface Problem {
  type: string;
  detail: string;
  errors?: { field: string; message: string }[];
}

const problemType = (slug: string) => `urn:edge-inference:problem:${slug}`;

/** |compact - ort| per output (numbers within 1e-5, relative above 1; labels and strings identical). */
function compareEngines(
  names: readonly string[],
  compact: Record<string, EngineTensor>,
  ort: Record<string, EngineTensor>,
): { worst: number; mismatches: string[] } {
  let worst = 0;
  const mismatches: string[] = [];
  for (const name of names) {
    const a = compact[name];
    const b = ort[name];
    expect(a?.dims, name).toEqual(b?.dims);
    expect(a?.type, name).toBe(b?.type);
    if (!a || !b) continue;
    for (let i = 0; i < b.data.length; i += 1) {
      const x = a.data[i];
      const y = b.data[i];
      if (typeof x === "number" && typeof y === "number") {
        const diff = Math.abs(x - y);
        worst = Math.max(worst, diff);
        if (!(diff <= 1e-5 * Math.max(1, Math.abs(y)))) mismatches.push(`${name}[${i}]: ${x} vs ${y}`);
      } else if (String(x) !== String(y)) {
        mismatches.push(`${name}[${i}]: ${String(x)} vs ${String(y)}`);
      }
    }
  }
  return { worst, mismatches };
}

/** Stores a copy of a shipped compact version under another model name, with a chosen `serving` record. */
async function storeCopy(source: Manifest, model: string, serving: Manifest["serving"]): Promise<Manifest> {
  const shipped = shippedVersion(source.model, source.version);
  const manifest: Manifest = { ...shipped.manifest, model, serving };
  await env.ARTIFACTS.put(artifactKey(model, manifest.version), shipped.bytes, {
    customMetadata: { sha256: manifest.artifact.sha256 },
  });
  await env.REGISTRY.put(manifestKey(model, manifest.version), JSON.stringify(manifest));
  await writeModelRecord(env.REGISTRY, withVersion(null, manifest, new Date().toISOString()));
  return manifest;
}

async function expectExamples(manifest: Manifest, session: ModelEngine): Promise<void> {
  const { rows } = validateRows(
    manifest,
    manifest.examples.map((example) => example.inputs),
    (row, name) => `examples[${row}].${name}`,
  );
  const predictions = await predictRows(session, manifest, rows);
  manifest.examples.forEach((example, index) => {
    expect(Math.abs((predictions[index]?.raw ?? Number.NaN) - example.expected.output)).toBeLessThanOrEqual(
      1e-5,
    );
  });
}

beforeAll(async () => {
  await seedShippedModels(env);
});

// First: sessions are keyed by artifact sha256, so these copies must not find a session already loaded.
describe("compiled forms", () => {
  it("rebuilds a compiled form whose format version is stale, once for concurrent requests, and writes it back", async () => {
    const seeded = await readManifest(env.REGISTRY, "german_credit", "v2_gbm");
    const recorded = seeded.serving?.compiled;
    if (!recorded) throw new Error("seeded version has no compiled form");
    const staleVersion = COMPACT_FORMAT_VERSION - 1;
    const manifest = await storeCopy(seeded, "stale_credit", {
      engine: "compact",
      compiled: { ...recorded, format_version: staleVersion, sha256: "0".repeat(64) },
    });
    await env.ARTIFACTS.put(compiledKey("stale_credit", "v2_gbm", staleVersion), new Uint8Array([1, 2, 3]));
    expect(
      await env.ARTIFACTS.head(compiledKey("stale_credit", "v2_gbm", COMPACT_FORMAT_VERSION)),
    ).toBeNull();

    const before = compiledRebuilds.count;
    const sessions = await Promise.all(
      Array.from({ length: 6 }, () => withModelSession(env.ARTIFACTS, manifest, async (session) => session)),
    );
    expect(compiledRebuilds.count - before).toBe(1);
    expect(new Set(sessions).size).toBe(1);
    const [session] = sessions;
    if (!session) throw new Error("no session");
    expect(session.kind).toBe("compact");
    await expectExamples(manifest, session);

    const written = await env.ARTIFACTS.get(compiledKey("stale_credit", "v2_gbm", COMPACT_FORMAT_VERSION));
    if (!written) throw new Error("rebuilt form not written back");
    const bytes = new Uint8Array(await written.arrayBuffer());
    expect(written.customMetadata).toMatchObject({
      sha256: await sha256Hex(bytes),
      onnx_sha256: manifest.artifact.sha256,
      format_version: String(COMPACT_FORMAT_VERSION),
    });
    // The next isolate accepts the rebuilt form (named by its own metadata) instead of rebuilding again.
    expect(await readCompiled(env.ARTIFACTS, manifest, COMPACT_FORMAT_VERSION)).toEqual(bytes);
    // Through the API too (the same isolate's cache: no second rebuild).
    const example = manifest.examples[0];
    expect((await post("/v1/models/stale_credit/predict", { inputs: example?.inputs })).status).toBe(200);
  });

  it("rebuilds a corrupt compiled form from the verified model.onnx", async () => {
    const seeded = await readManifest(env.REGISTRY, "kredipusula", "v1_logreg_calibrated");
    const manifest = await storeCopy(seeded, "corrupt_credit", seeded.serving);
    const good = await env.ARTIFACTS.get(
      compiledKey("kredipusula", "v1_logreg_calibrated", COMPACT_FORMAT_VERSION),
    );
    if (!good) throw new Error("seeded compiled form missing");
    const corrupt = new Uint8Array(await good.arrayBuffer());
    corrupt[corrupt.length - 1] = (corrupt[corrupt.length - 1] ?? 0) ^ 0xff;
    await env.ARTIFACTS.put(
      compiledKey("corrupt_credit", "v1_logreg_calibrated", COMPACT_FORMAT_VERSION),
      corrupt,
      {
        customMetadata: { ...good.customMetadata },
      },
    );
    const before = compiledRebuilds.count;
    await withModelSession(env.ARTIFACTS, manifest, (session) => expectExamples(manifest, session));
    expect(compiledRebuilds.count - before).toBe(1);
    const repaired = await env.ARTIFACTS.get(
      compiledKey("corrupt_credit", "v1_logreg_calibrated", COMPACT_FORMAT_VERSION),
    );
    expect(await sha256Hex(new Uint8Array((await repaired?.arrayBuffer()) ?? new ArrayBuffer(0)))).toBe(
      seeded.serving?.compiled?.sha256,
    );
  });

  it("budgets a compact session at the bytes it retains", async () => {
    const manifest = await readManifest(env.REGISTRY, "recommender", "v3_rf_tuned");
    const retained = manifest.serving?.compiled?.retained_bytes ?? 0;
    expect(retained).toBeGreaterThan(0);
    const key = `compact:${manifest.artifact.sha256}`;
    const wasLoaded = sessionCache.keys().includes(key);
    const before = sessionCache.bytes;
    const budgeted = await withModelSession(env.ARTIFACTS, manifest, async (session) => session.budgetBytes);
    expect(budgeted).toBe(retained);
    if (!wasLoaded) expect(sessionCache.bytes - before).toBe(retained);
    // Far below ORT's estimate for the same artifact (12x its bytes).
    expect(retained).toBeLessThan(manifest.artifact.bytes * 12);
  });
});

describe("compact engine vs onnxruntime-web inside workerd, 500 random rows per shipped version", () => {
  it.each(
    shippedVersions.map(
      (shipped) => [`${shipped.manifest.model}/${shipped.manifest.version}`, shipped] as const,
    ),
  )("%s", async (_name, shipped) => {
    const manifest = await readManifest(env.REGISTRY, shipped.manifest.model, shipped.manifest.version);
    const rows = randomRows(manifest, 500, 20261123);
    const names = manifest.onnx.outputs.map((output) => output.name);
    const compact = await withModelSession(env.ARTIFACTS, manifest, (session) => {
      expect(session.kind).toBe("compact");
      return session.run(rowsToFeeds(manifest, rows), names);
    });
    const ort = await openOrtEngine(shipped.bytes);
    try {
      const expected = await ort.run(rowsToFeeds(manifest, rows), names);
      const { worst, mismatches } = compareEngines(names, compact, expected);
      expect(mismatches).toEqual([]);
      expect(worst).toBeLessThanOrEqual(1e-5);
    } finally {
      await ort.release();
    }
  });
});

describe("publish chooses the engine", () => {
  it("serves a graph of the compact set with the compact engine: compiled form beside model.onnx, recorded, checked against ORT", async () => {
    const shipped = shippedVersion("kredipusula", "v2_gbm");
    const manifest = { ...shipped.manifest, model: "engine_credit" };
    const response = await publish("engine_credit", manifest, shipped.bytes);
    expect(response.status).toBe(201);
    const body = (await response.json()) as {
      verification: {
        engine: string;
        random_rows: number;
        ort_parity: { rows: number; max_abs_error: number } | null;
        compiled: { format_version: number; sha256: string; retained_bytes: number; tree_nodes: number };
      };
      registry: { versions: Record<string, { engine?: string; compiled?: { sha256: string } }> };
    };
    const { verification } = body;
    expect(verification.engine).toBe("compact");
    expect(verification.random_rows).toBe(64);
    expect(verification.ort_parity?.rows).toBe(64 + manifest.examples.length);
    expect(verification.ort_parity?.max_abs_error).toBeLessThanOrEqual(1e-5);
    expect(verification.compiled.format_version).toBe(COMPACT_FORMAT_VERSION);
    expect(verification.compiled.tree_nodes).toBeGreaterThan(0);
    expect(body.registry.versions.v2_gbm).toMatchObject({
      engine: "compact",
      compiled: { sha256: verification.compiled.sha256 },
    });

    const object = await env.ARTIFACTS.get(compiledKey("engine_credit", "v2_gbm", COMPACT_FORMAT_VERSION));
    if (!object) throw new Error("compiled form not stored");
    const compiled = new Uint8Array(await object.arrayBuffer());
    expect(await sha256Hex(compiled)).toBe(verification.compiled.sha256);
    expect(object.customMetadata).toMatchObject({
      sha256: verification.compiled.sha256,
      onnx_sha256: manifest.artifact.sha256,
    });
    const stored = await readManifest(env.REGISTRY, "engine_credit", "v2_gbm");
    expect(stored.serving).toEqual({ engine: "compact", compiled: verification.compiled });

    const version = (await (await get("/v1/models/engine_credit/versions/v2_gbm")).json()) as {
      serving: { engine: string; platform: string };
    };
    expect(version.serving).toMatchObject({ engine: "compact", platform: "edge_compact" });
    expect(((await (await get("/v2/models/engine_credit")).json()) as { platform: string }).platform).toBe(
      "edge_compact",
    );

    // The uploaded manifest still compares equal: a re-publish is a no-op.
    const again = await publish("engine_credit", manifest, shipped.bytes);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { status: string }).status).toBe("unchanged");
  });

  it("publishes and serves a forest far above onnxruntime-web's cap with the compact engine", async () => {
    const shipped = shippedVersion("recommender", "v2_random_forest");
    expect(shipped.bytes.byteLength).toBeGreaterThan(MAX_ORT_ARTIFACT_BYTES);
    const manifest = { ...shipped.manifest, model: "engine_forest" };
    // Forced onnxruntime-web: refused with the numbers (its heap would take ~12x the artifact).
    const forced = await expectProblemJson<Problem>(
      await publish("engine_forest", manifest, shipped.bytes, "onnxruntime-web"),
      413,
    );
    expect(forced.type).toBe(problemType("artifact-too-large"));
    expect(forced.detail).toContain(`${shipped.bytes.byteLength} bytes`);
    expect(forced.detail).toContain(`${MAX_ORT_ARTIFACT_BYTES}-byte`);
    const response = await publish("engine_forest", manifest, shipped.bytes);
    expect(response.status).toBe(201);
    const { verification } = (await response.json()) as {
      verification: { engine: string; ort_parity: unknown; compiled: { retained_bytes: number } };
    };
    expect(verification).toMatchObject({ engine: "compact", ort_parity: null });
    expect(verification.compiled.retained_bytes).toBeLessThanOrEqual(MAX_SESSION_BYTES);
    const example = manifest.examples[0];
    const predicted = await post("/v1/models/engine_forest/predict", { inputs: example?.inputs });
    expect(predicted.status).toBe(200);
    expect(predicted.headers.get("x-model-version")).toBe("v2_random_forest");
  });

  it("refuses a graph whose memory depends on an input value, for every engine, naming node and op", async () => {
    const { manifest, bytes } = fixture("constant-of-shape-of-input");
    for (const engine of [undefined, "onnxruntime-web", "compact"]) {
      const response = await publish(manifest.model, manifest, bytes, engine);
      const body = await expectProblemJson<Problem>(response, 422);
      expect(body.type, String(engine)).toBe(problemType("graph-unsafe"));
      expect(body.detail).toContain("ConstantOfShape");
      expect(body.errors?.[0]?.field).toBe("model");
      expect(body.errors?.map((error) => error.message).join(" ")).toMatch(
        /node \S+ \(ai\.onnx\.ConstantOfShape/,
      );
    }
    expect(await env.ARTIFACTS.head(artifactKey(manifest.model, manifest.version))).toBeNull();
  });

  it("serves a graph outside the compact set with onnxruntime-web; engine=compact is refused naming the op", async () => {
    const { manifest, bytes } = fixture("erf-regressor");
    const forced = await expectProblemJson<Problem>(
      await publish(manifest.model, manifest, bytes, "compact"),
      422,
    );
    expect(forced.type).toBe(problemType("engine-unsupported"));
    expect(forced.detail).toContain("Erf");

    const response = await publish(manifest.model, manifest, bytes, "onnxruntime-web");
    expect(response.status).toBe(201);
    const body = (await response.json()) as { verification: { engine: string; ort_parity: unknown } };
    expect(body.verification).toMatchObject({ engine: "onnxruntime-web", ort_parity: null });
    const stored = await readManifest(env.REGISTRY, manifest.model, manifest.version);
    expect(stored.serving).toEqual({ engine: "onnxruntime-web" });
    expect(
      await env.ARTIFACTS.head(compiledKey(manifest.model, manifest.version, COMPACT_FORMAT_VERSION)),
    ).toBeNull();

    const example = manifest.examples[0];
    const predicted = await post(`/v1/models/${manifest.model}/predict`, { inputs: example?.inputs });
    expect(predicted.status).toBe(200);
    const prediction = (await predicted.json()) as { predictions: { value: number }[] };
    expect(
      Math.abs((prediction.predictions[0]?.value ?? Number.NaN) - (example?.expected.output ?? 0)),
    ).toBeLessThanOrEqual(1e-5);
    expect(
      ((await (await get(`/v2/models/${manifest.model}`)).json()) as { platform: string }).platform,
    ).toBe("onnxruntime_onnx");
    await withModelSession(env.ARTIFACTS, stored, async (session) => {
      expect(session.kind).toBe("onnxruntime-web");
      await expectExamples(stored, session);
    });
  });

  it("in a lean build (no onnxruntime-web), refuses a graph outside the compact set naming its ops", async () => {
    const { manifest, bytes } = fixture("erf-regressor");
    const lean = { ...manifest, model: "erf_lean" };
    const leanOrt = () => import("../worker/inference/ort-engine-absent.ts");
    const audit = { actor: "test" };
    await expect(
      publishVersion(env, "erf_lean", lean, bytes, audit, { loadOrt: leanOrt }),
    ).rejects.toMatchObject({
      problem: { status: 422, slug: "engine-unsupported" },
      detail: expect.stringContaining("Erf"),
      errors: expect.arrayContaining([
        expect.objectContaining({ field: "model", message: expect.stringContaining("Erf") }),
      ]),
    });
    await expect(
      publishVersion(env, "erf_lean", lean, bytes, audit, { loadOrt: leanOrt, engine: "onnxruntime-web" }),
    ).rejects.toMatchObject({ problem: { status: 422, slug: "engine-unavailable" } });
    // A compact graph publishes in the lean build (no ORT second opinion there).
    const shipped = shippedVersion("german_credit", "v1_logreg");
    const outcome = await publishVersion(
      env,
      "lean_credit",
      { ...shipped.manifest, model: "lean_credit" },
      shipped.bytes,
      audit,
      { loadOrt: leanOrt },
    );
    expect(outcome.verification).toMatchObject({ engine: "compact", ort_parity: null });
    expect(await env.ARTIFACTS.head(artifactKey("erf_lean", manifest.version))).toBeNull();
  });
});
