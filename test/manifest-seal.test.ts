import { env } from "cloudflare:test";
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { manifestSchema } from "../worker/contracts/manifest.ts";
import { sha256Hex } from "../worker/platform/digest.ts";
import { MANIFEST_CONTRACT, openSealedManifest, sealManifest } from "../worker/repository/manifest-seal.ts";
import { manifestKey } from "../worker/repository/registry-keys.ts";
import { readManifest } from "../worker/repository/registry-reader.ts";
import { shippedManifests } from "./support/shipped-models.ts";

/** Manifests validated at write and trusted on read only under the same schema and intact text. */
describe("sealed manifests", () => {
  it("the contract names the current manifest schema (update MANIFEST_CONTRACT when the schema changes)", async () => {
    const jsonSchema = JSON.stringify(
      z.toJSONSchema(manifestSchema, { unrepresentable: "any", io: "output" }),
    );
    const fingerprint = (await sha256Hex(new TextEncoder().encode(jsonSchema))).slice(0, 12);
    expect(MANIFEST_CONTRACT).toBe(`manifest/${fingerprint}`);
  });

  it("stores the schema's output: parsing a sealed manifest again changes nothing", async () => {
    for (const manifest of shippedManifests) {
      const { text } = await sealManifest(manifest);
      expect(manifestSchema.parse(JSON.parse(text))).toEqual(JSON.parse(text));
    }
  });

  it("trusts an intact seal only; tampered text or another contract is validated again", async () => {
    const [manifest] = shippedManifests;
    if (!manifest) throw new Error("no shipped manifest");
    const { text, seal } = await sealManifest(manifest);
    expect(await openSealedManifest(text, seal)).toEqual(JSON.parse(text));
    expect(await openSealedManifest(`${text} `, seal)).toBeNull();
    expect(await openSealedManifest(text, { ...seal, contract: "manifest/000000000000" })).toBeNull();
    expect(await openSealedManifest(text, null)).toBeNull();

    // A sealed-looking but invalid manifest whose seal does not match is refused by the schema.
    const key = manifestKey(manifest.model, "v0_tampered");
    const broken = JSON.stringify({ ...JSON.parse(text), version: "v0_tampered", task: 42 });
    await env.REGISTRY.put(key, broken, { metadata: seal });
    await expect(readManifest(env.REGISTRY, manifest.model, "v0_tampered")).rejects.toMatchObject({
      problem: { slug: "manifest-unavailable" },
    });
  });
});
