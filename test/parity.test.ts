import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { SESSION_BUDGET_BYTES } from "../worker/inference/edge-limits.ts";
import { validateRows } from "../worker/inference/feature-validation.ts";
import { sessionCache, withModelSession } from "../worker/inference/model-sessions.ts";
import { ortRequested } from "../worker/inference/ort-loader.ts";
import { predictRows } from "../worker/inference/predictor.ts";
import { artifactKey } from "../worker/repository/registry-keys.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { seedShippedModels, shippedVersions } from "./support/shipped-models.ts";

/** Examples are training's onnxruntime outputs: the compact engine reproduces them within this. */
const EXAMPLE_PARITY = 1e-5;

beforeAll(async () => {
  await seedShippedModels(env);
});

const storedManifests = () =>
  Promise.all(
    shippedVersions.map(({ manifest }) => readManifest(env.REGISTRY, manifest.model, manifest.version)),
  );

describe("cold start", () => {
  it("loads every shipped version once, with the compact engine, under concurrent first requests", async () => {
    expect(sessionCache.size).toBe(0);
    const manifests = await storedManifests();
    const runs = manifests.flatMap((manifest) =>
      [0, 1, 2].map(() =>
        withModelSession(env.ARTIFACTS, manifest, async (session) => ({
          kind: session.kind,
          inputs: [...session.inputNames].sort().join(","),
          session,
        })),
      ),
    );
    const results = await Promise.all(runs);
    expect(results).toHaveLength(shippedVersions.length * 3);
    expect(new Set(results.map((result) => result.kind))).toEqual(new Set(["compact"]));
    expect(sessionCache.bytes).toBeLessThanOrEqual(SESSION_BUDGET_BYTES);
    expect(sessionCache.keys().every((key) => key.startsWith("compact:"))).toBe(true);
    // Serving compact versions never loads (let alone boots) onnxruntime-web.
    expect(ortRequested()).toBe(false);
    manifests.forEach((manifest, index) => {
      const [first, second, third] = results.slice(index * 3, index * 3 + 3);
      // Concurrent first requests share one load.
      expect(second?.session).toBe(first?.session);
      expect(third?.session).toBe(first?.session);
      expect(first?.inputs).toBe(
        manifest.onnx.inputs
          .map((input) => input.name)
          .sort()
          .join(","),
      );
    });
  });
});

describe("parity: every shipped version reproduces its manifest examples with the compact engine inside workerd", () => {
  it.each(
    shippedVersions.map(({ manifest }) => [`${manifest.model}/${manifest.version}`, manifest] as const),
  )("%s", async (_name, shipped) => {
    const manifest = await readManifest(env.REGISTRY, shipped.model, shipped.version);
    expect(manifest.serving?.engine).toBe("compact");
    const validation = validateRows(
      manifest,
      manifest.examples.map((example) => example.inputs),
      (row, name) => `examples[${row}].${name}`,
    );
    expect(validation.errors).toEqual([]);
    const predictions = await withModelSession(env.ARTIFACTS, manifest, (session) => {
      expect(session.kind).toBe("compact");
      return predictRows(session, manifest, validation.rows);
    });
    expect(predictions).toHaveLength(manifest.examples.length);
    manifest.examples.forEach((example, index) => {
      const prediction = predictions[index];
      const expected = example.expected.output;
      expect(Math.abs((prediction?.raw ?? Number.NaN) - expected)).toBeLessThanOrEqual(
        EXAMPLE_PARITY * Math.max(1, Math.abs(expected)),
      );
      if (example.expected.label !== undefined)
        expect(String(prediction?.label)).toBe(String(example.expected.label));
    });
  });
});

describe("artifact integrity", () => {
  it("refuses bytes whose sha256 differs from the registry, and a missing artifact, with 503", async () => {
    const [manifest] = await storedManifests();
    if (!manifest) throw new Error("no shipped versions");
    // The compiled form names the ONNX it was made from: another sha256 means a rebuild from model.onnx,
    // and model.onnx fails its check.
    const tampered = { ...manifest, artifact: { ...manifest.artifact, sha256: "f".repeat(64) } };
    await expect(withModelSession(env.ARTIFACTS, tampered, async () => "loaded")).rejects.toMatchObject({
      problem: { status: 503, slug: "artifact-unavailable" },
      retryAfterSeconds: 30,
    });
    const moved = {
      ...manifest,
      version: "not-in-r2",
      artifact: { ...manifest.artifact, sha256: "e".repeat(64) },
    };
    expect(await env.ARTIFACTS.head(artifactKey(moved.model, moved.version))).toBeNull();
    await expect(withModelSession(env.ARTIFACTS, moved, async () => "loaded")).rejects.toMatchObject({
      problem: { status: 503 },
    });
  });

  it("never loaded onnxruntime-web in this file's isolate", () => {
    expect(ortRequested()).toBe(false);
  });
});
