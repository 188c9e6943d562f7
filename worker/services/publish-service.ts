import { ProblemError } from "../http/problem.ts";
import { manifestKey } from "../registry/registry-keys.ts";
import { addVersion } from "../registry/registry-mutations.ts";
import {
  type AuditEntry,
  type RegistryStoreEnv,
  readAuthoritativeRecord,
  updateModelRecord,
} from "../registry/registry-store.ts";
import type { ModelRecord } from "../registry/registry-types.ts";
import { type RegistryBindings, storeVersion } from "../registry/registry-writer.ts";
import { versionEntry } from "../registry/version-lookup.ts";
import { type Manifest, manifestSchema } from "../schemas/manifest.ts";
import {
  checkArtifact,
  parseManifest,
  type VerificationReport,
  verifyWithRuntime,
} from "./publish-verification.ts";

export type PublishEnv = RegistryStoreEnv & RegistryBindings;

export interface PublishOutcome {
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

const versionExists = (manifest: Manifest, what: string) =>
  new ProblemError({
    status: 409,
    type: "version-exists",
    title: "Version already published",
    detail: `${manifest.model}/${manifest.version} is already published with a different ${what}; published versions are immutable, publish a new version name instead.`,
  });

/** An existing version may be re-published only with identical bytes and an identical manifest (a no-op). */
async function sameAsPublished(
  env: PublishEnv,
  record: ModelRecord | null,
  manifest: Manifest,
  sha256: string,
): Promise<boolean> {
  const entry = record ? versionEntry(record, manifest.version) : undefined;
  if (!entry) return false;
  if (entry.sha256 !== sha256) throw versionExists(manifest, "artifact");
  const stored = await env.REGISTRY.get(manifestKey(manifest.model, manifest.version), "json");
  const parsedStored = stored === null ? null : manifestSchema.safeParse(stored);
  if (parsedStored?.success && canonical(parsedStored.data) !== canonical(manifest))
    throw versionExists(manifest, "manifest");
  return true;
}

/**
 * Publishes a version: schema, size, sha256, ONNX Runtime load, signature and examples are all checked
 * before anything is written; then R2 + KV manifest, then the registry record (audited in the same commit).
 * A model's first version becomes its default; later versions get no traffic until promoted or weighted.
 */
export async function publishVersion(
  env: PublishEnv,
  model: string,
  rawManifest: unknown,
  bytes: Uint8Array,
  audit: Omit<AuditEntry, "action" | "version" | "details">,
): Promise<PublishOutcome> {
  const manifest = parseManifest(rawManifest, model);
  const sha256 = await checkArtifact(manifest, bytes);
  const existing = await readAuthoritativeRecord(env, model);
  const republished = await sameAsPublished(env, existing, manifest, sha256);
  const verification = republished ? null : await verifyWithRuntime(manifest, bytes, sha256);
  const stored = await storeVersion(env, manifest, bytes);
  const now = new Date().toISOString();
  const update = await updateModelRecord(env, model, (current) => addVersion(current, manifest, now), {
    ...audit,
    action: "publish",
    version: manifest.version,
    details: {
      sha256,
      bytes: bytes.byteLength,
      first_version: existing === null,
      ...(verification ? { max_abs_error: verification.max_abs_error } : {}),
    },
  });
  return {
    status: update.changed || stored === "created" ? "created" : "unchanged",
    manifest,
    record: update.record,
    verification,
  };
}
