import type { Manifest } from "../schemas/manifest.ts";
import { modelKey } from "./registry-keys.ts";
import type { ModelRecord } from "./registry-types.ts";
import { type RegistryBindings, storeVersion, withVersion, writeModelRecord } from "./registry-writer.ts";
import { versionEntry } from "./version-lookup.ts";

export interface ShippedVersion {
  manifest: Manifest;
  bytes: Uint8Array;
}

export interface SeedSummary {
  created: string[];
  unchanged: string[];
}

/**
 * Loads shipped versions (models/) into a registry: idempotent, never overwrites a published version
 * and never moves a default that ops already chose; a new model gets `defaults[model]` (else its first version).
 */
export async function seedVersions(
  env: RegistryBindings,
  versions: readonly ShippedVersion[],
  defaults: Readonly<Record<string, string>>,
  now: string = new Date().toISOString(),
): Promise<SeedSummary> {
  const summary: SeedSummary = { created: [], unchanged: [] };
  const byModel = new Map<string, ShippedVersion[]>();
  for (const version of versions) {
    const outcome = await storeVersion(env, version.manifest, version.bytes);
    summary[outcome === "created" ? "created" : "unchanged"].push(
      `${version.manifest.model}/${version.manifest.version}`,
    );
    byModel.set(version.manifest.model, [...(byModel.get(version.manifest.model) ?? []), version]);
  }
  for (const [model, modelVersions] of byModel) {
    const existing = await env.REGISTRY.get<ModelRecord>(modelKey(model), "json");
    let record = existing;
    for (const { manifest } of modelVersions) record = withVersion(record, manifest, now);
    if (!record || record === existing) continue;
    if (!existing) {
      const preferred = defaults[model];
      if (preferred && versionEntry(record, preferred)) record = { ...record, default: preferred };
    }
    await writeModelRecord(env.REGISTRY, record);
  }
  return summary;
}
