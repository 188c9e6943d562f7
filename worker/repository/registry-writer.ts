import type { Manifest } from "../contracts/manifest.ts";
import { problems } from "../problems/index.ts";
import { verifyArtifactBytes } from "./artifact-store.ts";
import { writeCompiled } from "./compiled-store.ts";
import { defaultThresholds } from "./default-thresholds.ts";
import { sealManifest } from "./manifest-seal.ts";
import { artifactKey, artifactManifestKey, manifestKey, modelKey } from "./registry-keys.ts";
import { invalidateRegistryCache } from "./registry-reader.ts";
import type { ModelRecord } from "./registry-types.ts";
import { versionEntry } from "./version-lookup.ts";

export interface RegistryBindings {
  REGISTRY: KVNamespace;
  ARTIFACTS: R2Bucket;
}

type StoreOutcome = "created" | "unchanged";

/**
 * Stores a version's artifact, its compiled form (compact engine) and its manifest: R2 (integrity-checked
 * by R2 itself) and the KV manifest key. Idempotent for identical bytes; refuses different bytes under an
 * existing version, so nothing published is ever overwritten. A stored manifest without a `serving` block
 * (published before engines were recorded) gets the one chosen now.
 */
export async function storeVersion(
  env: RegistryBindings,
  manifest: Manifest,
  bytes: Uint8Array,
  compiled: Uint8Array | null = null,
): Promise<StoreOutcome> {
  const sha256 = await verifyArtifactBytes(manifest, bytes);
  const key = artifactKey(manifest.model, manifest.version);
  const existing = await env.ARTIFACTS.head(key);
  if (existing) {
    if (existing.customMetadata?.sha256 === sha256) {
      // A publish that stopped after the artifact put is completed here rather than left half-written.
      const stored = await env.REGISTRY.get<Partial<Manifest>>(
        manifestKey(manifest.model, manifest.version),
        "json",
      );
      if (stored === null || (!stored.serving && manifest.serving)) {
        await writeCompiledForm(env, manifest, compiled);
        await writeManifests(env, manifest);
      }
      return "unchanged";
    }
    throw problems.versionExists(manifest.model, manifest.version, "artifact");
  }
  await env.ARTIFACTS.put(key, bytes, {
    sha256,
    customMetadata: { sha256 },
    httpMetadata: { contentType: "application/onnx" },
  });
  await writeCompiledForm(env, manifest, compiled);
  await writeManifests(env, manifest);
  return "created";
}

async function writeCompiledForm(
  env: RegistryBindings,
  manifest: Manifest,
  compiled: Uint8Array | null,
): Promise<void> {
  const facts = manifest.serving?.compiled;
  if (!compiled || !facts) return;
  const sha256 = await writeCompiled(env.ARTIFACTS, manifest, facts.format_version, compiled);
  if (sha256 !== facts.sha256)
    throw new Error(`compiled form of ${manifest.model}/${manifest.version} changed while storing`);
}

async function writeManifests(env: RegistryBindings, manifest: Manifest): Promise<void> {
  await env.ARTIFACTS.put(artifactManifestKey(manifest.model, manifest.version), JSON.stringify(manifest), {
    httpMetadata: { contentType: "application/json" },
  });
  // Sealed: readers trust this text without re-validating it (manifest-seal.ts).
  const { text, seal } = await sealManifest(manifest);
  await env.REGISTRY.put(manifestKey(manifest.model, manifest.version), text, { metadata: seal });
}

function newModelRecord(manifest: Manifest, now: string): ModelRecord {
  return {
    name: manifest.model,
    default: manifest.version,
    versions: {},
    traffic: { weights: {}, shadow: [], salt: crypto.randomUUID(), effective_at: now },
    thresholds: defaultThresholds(manifest.task),
    revision: 0,
    updated_at: now,
  };
}

/** Adds a version to the model's record (creating the record for a first version). */
export function withVersion(record: ModelRecord | null, manifest: Manifest, now: string): ModelRecord {
  const base = record ?? newModelRecord(manifest, now);
  if (versionEntry(base, manifest.version)) return base;
  return {
    ...base,
    versions: {
      ...base.versions,
      [manifest.version]: {
        status: "active",
        sha256: manifest.artifact.sha256,
        bytes: manifest.artifact.bytes,
        published_at: now,
        ...(manifest.serving ? { engine: manifest.serving.engine } : {}),
        ...(manifest.serving?.compiled
          ? {
              compiled: {
                format_version: manifest.serving.compiled.format_version,
                sha256: manifest.serving.compiled.sha256,
                bytes: manifest.serving.compiled.bytes,
                retained_bytes: manifest.serving.compiled.retained_bytes,
              },
            }
          : {}),
      },
    },
    revision: base.revision + 1,
    updated_at: now,
  };
}

export async function writeModelRecord(kv: KVNamespace, record: ModelRecord): Promise<void> {
  await kv.put(modelKey(record.name), JSON.stringify(record));
  invalidateRegistryCache(record.name);
}
