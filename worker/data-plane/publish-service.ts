import { type Manifest, manifestSchema } from "../contracts/manifest.ts";
import { planServing } from "../inference/engine-choice.ts";
import { loadOrtEngine, type OrtLoader } from "../inference/ort-loader.ts";
import { problems } from "../problems/index.ts";
import { manifestKey } from "../repository/registry-keys.ts";
import { addVersion } from "../repository/registry-mutations.ts";
import {
  type AuditEntry,
  type RegistryStoreEnv,
  readAuthoritativeRecord,
  updateModelRecord,
} from "../repository/registry-store.ts";
import type { ModelRecord } from "../repository/registry-types.ts";
import { type RegistryBindings, storeVersion } from "../repository/registry-writer.ts";
import { versionEntry } from "../repository/version-lookup.ts";
import type { EngineChoice } from "../vocabulary/index.ts";
import {
  checkArtifact,
  parseManifest,
  type VerificationReport,
  verifyWithEngine,
} from "./publish-verification.ts";

type PublishEnv = RegistryStoreEnv & RegistryBindings;

interface PublishOptions {
  /** `engine=` of the publish request: force one engine instead of letting the graph decide. */
  engine?: EngineChoice;
  /** Tests substitute the lean build's stand-in here; the Worker uses its own build's ORT adapter. */
  loadOrt?: OrtLoader;
}

interface PublishOutcome {
  status: "created" | "unchanged";
  manifest: Manifest;
  record: ModelRecord | null;
  verification: VerificationReport | null;
}

/** JSON with sorted keys, so two manifests compare by content, not by key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The manifest as the data scientist wrote it: the Worker's `serving` block is not part of the comparison. */
function uploaded(manifest: Manifest): Manifest {
  const { serving: _chosenByTheWorker, ...rest } = manifest;
  return rest;
}

/**
 * An existing version may be re-published only with identical bytes and an identical manifest (a no-op).
 * Returns the stored manifest of a re-published version (null for a new one).
 */
async function sameAsPublished(
  env: PublishEnv,
  record: ModelRecord | null,
  manifest: Manifest,
  sha256: string,
): Promise<Manifest | null> {
  const entry = record ? versionEntry(record, manifest.version) : undefined;
  if (!entry) return null;
  if (entry.sha256 !== sha256) throw problems.versionExists(manifest.model, manifest.version, "artifact");
  const stored = await env.REGISTRY.get(manifestKey(manifest.model, manifest.version), "json");
  const parsedStored = stored === null ? null : manifestSchema.safeParse(stored);
  if (parsedStored?.success && canonical(uploaded(parsedStored.data)) !== canonical(manifest))
    throw problems.versionExists(manifest.model, manifest.version, "manifest");
  return parsedStored?.success ? parsedStored.data : manifest;
}

/**
 * Publishes a version: schema, size, sha256, the engine choice (compact when the graph is in its set,
 * else onnxruntime-web; refused for every engine when memory depends on an input value), the session
 * budget, signature, examples and random rows through the engine that will serve are all checked before
 * anything is written; then R2 (model.onnx, compiled form) + KV manifest with its `serving` block, then the
 * registry record (audited in the same commit). A model's first version becomes its default; later
 * versions get no traffic until promoted or weighted. A re-published version that was stored before
 * engines were recorded gets its engine chosen and verified now.
 */
export async function publishVersion(
  env: PublishEnv,
  model: string,
  rawManifest: unknown,
  bytes: Uint8Array,
  audit: Omit<AuditEntry, "action" | "version" | "details">,
  options: PublishOptions = {},
): Promise<PublishOutcome> {
  const loadOrt = options.loadOrt ?? loadOrtEngine;
  const manifest = parseManifest(rawManifest, model);
  const sha256 = await checkArtifact(manifest, bytes);
  const existing = await readAuthoritativeRecord(env, model);
  const published = await sameAsPublished(env, existing, manifest, sha256);
  let serving = published?.serving;
  let compiled: Uint8Array | null = null;
  let verification: VerificationReport | null = null;
  if (!serving) {
    const requested = options.engine ?? "auto";
    const ortInBuild = requested !== "compact" && (await loadOrt()).ortInBuild;
    const plan = await planServing(bytes, { requested, ortInBuild });
    verification = await verifyWithEngine(manifest, bytes, sha256, plan, loadOrt);
    serving = plan.serving;
    compiled = plan.compiled;
  }
  const served: Manifest = { ...manifest, serving };
  const stored = await storeVersion(env, served, bytes, compiled);
  const now = new Date().toISOString();
  const update = await updateModelRecord(env, model, (current) => addVersion(current, served, now), {
    ...audit,
    action: "publish",
    version: manifest.version,
    details: {
      sha256,
      bytes: bytes.byteLength,
      first_version: existing === null,
      engine: serving.engine,
      ...(serving.compiled ? { compiled_sha256: serving.compiled.sha256 } : {}),
      ...(verification ? { max_abs_error: verification.max_abs_error } : {}),
    },
  });
  return {
    status: update.changed || stored === "created" ? "created" : "unchanged",
    manifest: served,
    record: update.record,
    verification,
  };
}
