import { ProblemError } from "../http/problem.ts";
import type { Manifest } from "../schemas/manifest.ts";
import { loadVerifiedArtifact } from "../storage/artifact-store.ts";
import { createSession, type InferenceSession } from "./ort-runtime.ts";
import { SessionCache } from "./session-cache.ts";

/**
 * Sessions of this isolate, keyed by artifact sha256 (so a version never shares a session with other bytes).
 * ORT's WASM heap only grows, and tree ensembles measured 10-13x their artifact size in heap while loading
 * (`npm run bench:memory`), so a session is budgeted at SESSION_BYTES_PER_ARTIFACT_BYTE x its artifact.
 * The budget keeps the heap well inside the 128 MB isolate next to the JS heap; one artifact may use at most
 * MAX_SESSION_SHARE of it, so an A/B split over several versions never thrashes a single huge one.
 */
export const SESSION_BUDGET_BYTES = 72 * 1024 * 1024;
export const SESSION_BYTES_PER_ARTIFACT_BYTE = 12;
export const MAX_SESSION_SHARE = 1 / 3;
/** The largest artifact the edge accepts: 2 MiB (24 MiB budgeted heap). */
export const MAX_EDGE_ARTIFACT_BYTES = Math.floor(
  (SESSION_BUDGET_BYTES * MAX_SESSION_SHARE) / SESSION_BYTES_PER_ARTIFACT_BYTE,
);

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
