import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { validateRows } from "../worker/inference/feature-validation.ts";
import { SESSION_BUDGET_BYTES, sessionCache, withModelSession } from "../worker/inference/model-sessions.ts";
import { predictRows } from "../worker/inference/predictor.ts";
import { artifactKey } from "../worker/registry/registry-keys.ts";
import { readManifest } from "../worker/registry/registry-reader.ts";
import { seedShippedModels, shippedVersions } from "./support/shipped-models.ts";

beforeAll(async () => {
  await seedShippedModels(env);
});

describe("cold start", () => {
  it("boots ORT once under concurrent first requests across every shipped version", async () => {
    expect(sessionCache.size).toBe(0);
    const runs = shippedVersions.flatMap(({ manifest }) =>
      [0, 1, 2].map(() =>
        withModelSession(env.ARTIFACTS, manifest, async (session) =>
          [...session.inputNames].sort().join(","),
        ),
      ),
    );
    const inputs = await Promise.all(runs);
    expect(inputs).toHaveLength(shippedVersions.length * 3);
    // Large forests do not all fit the isolate budget at once: the least recently used were evicted.
    expect(sessionCache.size).toBeGreaterThan(0);
    expect(sessionCache.bytes).toBeLessThanOrEqual(SESSION_BUDGET_BYTES);
    shippedVersions.forEach(({ manifest }, index) => {
      expect(inputs[index * 3]).toBe(
        manifest.onnx.inputs
          .map((input) => input.name)
          .sort()
          .join(","),
      );
    });
  });
});

describe("parity: every shipped version reproduces its manifest examples inside workerd", () => {
  it.each(
    shippedVersions.map(({ manifest }) => [`${manifest.model}/${manifest.version}`, manifest] as const),
  )("%s", async (_name, shipped) => {
    const manifest = await readManifest(env.REGISTRY, shipped.model, shipped.version);
    const validation = validateRows(
      manifest,
      manifest.examples.map((example) => example.inputs),
      (row, name) => `examples[${row}].${name}`,
    );
    expect(validation.errors).toEqual([]);
    const predictions = await withModelSession(env.ARTIFACTS, manifest, (session) =>
      predictRows(session, manifest, validation.rows),
    );
    expect(predictions).toHaveLength(manifest.examples.length);
    manifest.examples.forEach((example, index) => {
      const prediction = predictions[index];
      expect(Math.abs((prediction?.raw ?? Number.NaN) - example.expected.output)).toBeLessThanOrEqual(1e-4);
      if (example.expected.label !== undefined)
        expect(String(prediction?.label)).toBe(String(example.expected.label));
    });
  });
});

describe("artifact integrity", () => {
  it("refuses bytes whose sha256 differs from the registry, and a missing artifact, with 503", async () => {
    const { manifest } = shippedVersions[0] ?? {};
    if (!manifest) throw new Error("no shipped versions");
    const tampered = { ...manifest, artifact: { ...manifest.artifact, sha256: "f".repeat(64) } };
    await expect(withModelSession(env.ARTIFACTS, tampered, async () => "loaded")).rejects.toMatchObject({
      init: { status: 503, type: "artifact-unavailable" },
    });
    const moved = {
      ...manifest,
      version: "not-in-r2",
      artifact: { ...manifest.artifact, sha256: "e".repeat(64) },
    };
    expect(await env.ARTIFACTS.head(artifactKey(moved.model, moved.version))).toBeNull();
    await expect(withModelSession(env.ARTIFACTS, moved, async () => "loaded")).rejects.toMatchObject({
      init: { status: 503 },
    });
  });
});
