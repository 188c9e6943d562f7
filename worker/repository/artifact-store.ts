import type { Manifest } from "../contracts/manifest.ts";
import { sha256Hex } from "../platform/digest.ts";
import { problems } from "../problems/index.ts";
import { artifactKey } from "./registry-keys.ts";

/** The one check of uploaded bytes against `manifest.artifact` (sha256 and size); returns the sha256. */
export async function verifyArtifactBytes(
  manifest: Pick<Manifest, "artifact">,
  bytes: Uint8Array,
): Promise<string> {
  const sha256 = await sha256Hex(bytes);
  const mismatch = problems.artifactMismatch(manifest.artifact, { sha256, bytes: bytes.byteLength });
  if (mismatch) throw mismatch;
  return sha256;
}

/** Reads a version's ONNX bytes from R2 and refuses them unless their sha256 matches the registry. */
export async function loadVerifiedArtifact(
  bucket: R2Bucket,
  model: string,
  version: string,
  expectedSha256: string,
): Promise<Uint8Array> {
  const object = await bucket.get(artifactKey(model, version));
  if (!object)
    throw problems.artifactUnavailable(`The artifact of ${model}/${version} is missing from storage.`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  const actual = await sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw problems.artifactUnavailable(
      `The artifact of ${model}/${version} failed its sha256 check; it will not be served.`,
    );
  }
  return bytes;
}
