import type { Manifest } from "../contracts/manifest.ts";
import { COMPACT_FORMAT_VERSION, compileOnnx, InvalidModelError } from "../engine/index.ts";
import { DomainError, problems } from "../problems/index.ts";
import { loadVerifiedArtifact } from "../repository/artifact-store.ts";
import { readCompiled, writeCompiled } from "../repository/compiled-store.ts";
import { openCompactEngine } from "./compact-engine.ts";
import { ORT_HEAP_BYTES_PER_ARTIFACT_BYTE, SESSION_BUDGET_BYTES } from "./edge-limits.ts";
import { type ModelEngine, servingEngine } from "./model-engine.ts";
import { loadOrtEngine } from "./ort-loader.ts";
import { SessionCache } from "./session-cache.ts";

/**
 * Sessions of this isolate, keyed by engine and artifact sha256 (a version never shares a session with other
 * bytes). A compact session is budgeted at the bytes it actually retains; an onnxruntime-web one at
 * ORT_HEAP_BYTES_PER_ARTIFACT_BYTE x its artifact, since ORT's WASM heap only grows. All numbers come from
 * schemas/edge-limits.json (./edge-limits.ts).
 */
export const sessionCache = new SessionCache<ModelEngine>({
  budgetBytes: SESSION_BUDGET_BYTES,
  release: (session) => session.release(),
  sizeOf: (session) => session.budgetBytes,
});

/** Compiled forms this isolate rebuilt from model.onnx (missing, stale format or corrupt in R2). */
export const compiledRebuilds = { count: 0 };

/** What a session is budgeted at before it is loaded (replaced by its actual size once it is). */
function sessionEstimate(manifest: Pick<Manifest, "serving" | "artifact">): number {
  const compiled = manifest.serving?.compiled;
  if (manifest.serving?.engine === "compact" && compiled) return compiled.retained_bytes;
  return manifest.artifact.bytes * ORT_HEAP_BYTES_PER_ARTIFACT_BYTE;
}

/**
 * Rebuilds the compiled form from the sha-verified ONNX and writes it back, so the next isolate finds it.
 * Concurrent requests share this through the session cache's single load.
 */
async function rebuildCompiled(bucket: R2Bucket, manifest: Manifest): Promise<ModelEngine> {
  const onnx = await loadVerifiedArtifact(bucket, manifest.model, manifest.version, manifest.artifact.sha256);
  let compiled: Uint8Array;
  let engine: ModelEngine;
  try {
    compiled = compileOnnx(onnx);
    engine = openCompactEngine(compiled);
  } catch (error) {
    throw problems.artifactUnavailable(
      `The compact engine could not compile ${manifest.model}/${manifest.version}: ${String(error)}`,
    );
  }
  compiledRebuilds.count += 1;
  try {
    await writeCompiled(bucket, manifest, COMPACT_FORMAT_VERSION, compiled);
  } catch (error) {
    console.warn(`compiled form of ${manifest.model}/${manifest.version} not written back: ${String(error)}`);
  }
  return engine;
}

async function openCompact(bucket: R2Bucket, manifest: Manifest): Promise<ModelEngine> {
  const stored = await readCompiled(bucket, manifest, COMPACT_FORMAT_VERSION);
  if (stored) {
    try {
      return openCompactEngine(stored);
    } catch (error) {
      if (!(error instanceof InvalidModelError)) throw error;
    }
  }
  return rebuildCompiled(bucket, manifest);
}

async function openOrt(bucket: R2Bucket, manifest: Manifest): Promise<ModelEngine> {
  const bytes = await loadVerifiedArtifact(
    bucket,
    manifest.model,
    manifest.version,
    manifest.artifact.sha256,
  );
  const ort = await loadOrtEngine();
  try {
    return await ort.openOrtEngine(bytes);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw problems.artifactUnavailable(
      `ONNX Runtime could not load ${manifest.model}/${manifest.version}: ${String(error)}`,
    );
  }
}

/** Runs `use` with the session of a manifest's version, loading and verifying it on first use. */
export function withModelSession<R>(
  bucket: R2Bucket,
  manifest: Manifest,
  use: (session: ModelEngine) => Promise<R>,
): Promise<R> {
  const engine = servingEngine(manifest);
  return sessionCache.with(
    `${engine}:${manifest.artifact.sha256}`,
    sessionEstimate(manifest),
    () => (engine === "compact" ? openCompact(bucket, manifest) : openOrt(bucket, manifest)),
    use,
  );
}
