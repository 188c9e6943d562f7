import { type Manifest, manifestSchema } from "../contracts/manifest.ts";
import { sha256Hex } from "../platform/digest.ts";

/**
 * Manifests are validated once, when they are stored, instead of on every cold read (zod on a manifest costs
 * ~20 ms in a fresh isolate). The writer stores the schema's own output beside KV metadata naming the
 * contract it was checked against and the sha256 of the stored text; a reader whose contract matches and whose
 * text hashes the same uses it as is, anything else is parsed with zod as before.
 *
 * MANIFEST_CONTRACT ends with a fingerprint of manifestSchema (sha256 of its JSON Schema, first 12 hex
 * digits); test/manifest-seal.test.ts fails when the schema changes until it is updated, so manifests sealed
 * under an older schema are validated again rather than trusted.
 */
export const MANIFEST_CONTRACT = "manifest/aff0aaabcde0";

interface ManifestSeal {
  contract: string;
  sha256: string;
}

const encoder = new TextEncoder();

/** The text to store and its seal: the schema's output for `manifest` (so a later parse would be a no-op). */
export async function sealManifest(manifest: Manifest): Promise<{ text: string; seal: ManifestSeal }> {
  const text = JSON.stringify(manifestSchema.parse(manifest));
  return { text, seal: { contract: MANIFEST_CONTRACT, sha256: await sha256Hex(encoder.encode(text)) } };
}

/** The stored manifest when its seal holds for this code's contract; null: validate it. */
export async function openSealedManifest(text: string, seal: unknown): Promise<Manifest | null> {
  const claimed = seal as Partial<ManifestSeal> | null;
  if (claimed?.contract !== MANIFEST_CONTRACT || typeof claimed.sha256 !== "string") return null;
  if ((await sha256Hex(encoder.encode(text))) !== claimed.sha256) return null;
  return JSON.parse(text) as Manifest;
}
