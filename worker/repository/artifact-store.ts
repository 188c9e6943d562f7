import { toHex } from "../auth/credential-hash.ts";
import { ProblemError } from "../http/problem.ts";
import { artifactKey } from "./registry-keys.ts";

export async function sha256Hex(bytes: ArrayBuffer | Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)));
}

const unavailable = (detail: string): ProblemError =>
  new ProblemError({
    status: 503,
    type: "artifact-unavailable",
    title: "Model artifact unavailable",
    detail,
    headers: { "retry-after": "30" },
  });

/** Reads a version's ONNX bytes from R2 and refuses them unless their sha256 matches the registry. */
export async function loadVerifiedArtifact(
  bucket: R2Bucket,
  model: string,
  version: string,
  expectedSha256: string,
): Promise<Uint8Array> {
  const object = await bucket.get(artifactKey(model, version));
  if (!object) throw unavailable(`The artifact of ${model}/${version} is missing from storage.`);
  const bytes = new Uint8Array(await object.arrayBuffer());
  const actual = await sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw unavailable(`The artifact of ${model}/${version} failed its sha256 check; it will not be served.`);
  }
  return bytes;
}
