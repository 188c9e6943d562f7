import { ProblemError } from "../http/problem.ts";
import type { Manifest } from "../schemas/manifest.ts";
import { loadVerifiedArtifact } from "../storage/artifact-store.ts";
import { createSession, type InferenceSession } from "./ort-runtime.ts";
import { SessionCache } from "./session-cache.ts";

/**
 * Sessions of this isolate, keyed by artifact sha256 (so a version never shares a session with other bytes).
 * The budget leaves headroom in the 128 MB isolate for the ORT heap, requests and the bundle itself; a
 * session's footprint is estimated as a multiple of its artifact size (graph, optimised copy, arena).
 */
export const SESSION_BUDGET_BYTES = 48 * 1024 * 1024;
export const SESSION_BYTES_PER_ARTIFACT_BYTE = 3;

export const sessionCache = new SessionCache<InferenceSession>({
  budgetBytes: SESSION_BUDGET_BYTES,
  release: (session) => session.release(),
});

async function openSession(bucket: R2Bucket, manifest: Manifest): Promise<InferenceSession> {
  const bytes = await loadVerifiedArtifact(
    bucket,
    manifest.model,
    manifest.version,
    manifest.artifact.sha256,
  );
  try {
    return await createSession(bytes);
  } catch (error) {
    throw new ProblemError({
      status: 503,
      type: "artifact-unavailable",
      title: "Model artifact unavailable",
      detail: `ONNX Runtime could not load ${manifest.model}/${manifest.version}: ${String(error)}`,
      headers: { "retry-after": "30" },
    });
  }
}

/** Runs `use` with the session of a manifest's artifact, loading and verifying it on first use. */
export function withModelSession<R>(
  bucket: R2Bucket,
  manifest: Manifest,
  use: (session: InferenceSession) => Promise<R>,
): Promise<R> {
  const estimate = manifest.artifact.bytes * SESSION_BYTES_PER_ARTIFACT_BYTE;
  return sessionCache.with(manifest.artifact.sha256, estimate, () => openSession(bucket, manifest), use);
}
