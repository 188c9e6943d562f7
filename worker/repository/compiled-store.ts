import type { Manifest } from "../contracts/manifest.ts";
import { sha256Hex } from "../platform/digest.ts";
import { compiledKey } from "./registry-keys.ts";

/**
 * The compact engine's compiled forms in R2, beside model.onnx: one object per format version, its sha256
 * in customMetadata (and in the manifest's `serving.compiled` when it was made at publish). A compiled form is
 * derived data: whatever is missing, stale or corrupt is rebuilt from the sha-verified model.onnx.
 */
export async function writeCompiled(
  bucket: R2Bucket,
  manifest: Pick<Manifest, "model" | "version" | "artifact">,
  formatVersion: number,
  compiled: Uint8Array,
): Promise<string> {
  const sha256 = await sha256Hex(compiled);
  await bucket.put(compiledKey(manifest.model, manifest.version, formatVersion), compiled, {
    sha256,
    customMetadata: {
      sha256,
      onnx_sha256: manifest.artifact.sha256,
      format_version: String(formatVersion),
    },
    httpMetadata: { contentType: "application/octet-stream" },
  });
  return sha256;
}

/**
 * Reads the compiled form of `formatVersion`, or null when it is absent or fails its check: its metadata must
 * name the manifest's ONNX sha256 (a form compiled from other bytes is never served), and its bytes must hash
 * to the sha256 recorded in the manifest for this format version or to the one in its own metadata (written
 * with the bytes, by publish or by a rebuild).
 */
export async function readCompiled(
  bucket: R2Bucket,
  manifest: Pick<Manifest, "model" | "version" | "artifact" | "serving">,
  formatVersion: number,
): Promise<Uint8Array | null> {
  const object = await bucket.get(compiledKey(manifest.model, manifest.version, formatVersion));
  if (!object) return null;
  const recorded = manifest.serving?.compiled;
  const metadata = object.customMetadata ?? {};
  if (metadata.onnx_sha256 !== manifest.artifact.sha256) return null;
  const bytes = new Uint8Array(await object.arrayBuffer());
  const actual = await sha256Hex(bytes);
  // A form rebuilt after publish (same format version, other bytes) is named by its own metadata: accepting
  // it keeps every later isolate from rebuilding again.
  const accepted = [
    recorded?.format_version === formatVersion ? recorded.sha256 : undefined,
    metadata.sha256,
  ];
  return accepted.includes(actual) ? bytes : null;
}
