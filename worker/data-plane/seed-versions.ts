import type { Manifest, Serving } from "../contracts/manifest.ts";
import { planServing } from "../inference/engine-choice.ts";
import { manifestKey, modelKey } from "../repository/registry-keys.ts";
import type { ModelRecord } from "../repository/registry-types.ts";
import {
  type RegistryBindings,
  storeVersion,
  withVersion,
  writeModelRecord,
} from "../repository/registry-writer.ts";
import { versionEntry } from "../repository/version-lookup.ts";

export interface ShippedVersion {
  manifest: Manifest;
  bytes: Uint8Array;
}

interface SeedSummary {
  created: string[];
  unchanged: string[];
  /** How each version is served, by `model/version`. */
  serving: Record<string, Serving>;
}

/**
 * Chooses the engine of a shipped version as publish does (compact when the graph is in its set, compiled
 * here), unless the registry already holds it with its engine. Local builds are full: ORT is available.
 */
async function withServing(env: RegistryBindings, version: ShippedVersion) {
  const { manifest, bytes } = version;
  const stored = await env.REGISTRY.get<Partial<Manifest>>(
    manifestKey(manifest.model, manifest.version),
    "json",
  );
  if (stored?.serving) return { manifest: { ...manifest, serving: stored.serving }, compiled: null };
  const plan = await planServing(bytes, { requested: "auto", ortInBuild: true });
  return { manifest: { ...manifest, serving: plan.serving }, compiled: plan.compiled };
}

/**
 * Loads shipped versions (models/) into a registry: idempotent, never overwrites a published version
 * and never moves a default that ops already chose; a new model gets `defaults[model]` (else its first version).
 * Each version's engine is chosen (and its compiled form stored) as a publish would.
 */
export async function seedVersions(
  env: RegistryBindings,
  versions: readonly ShippedVersion[],
  defaults: Readonly<Record<string, string>>,
  now: string = new Date().toISOString(),
): Promise<SeedSummary> {
  const summary: SeedSummary = { created: [], unchanged: [], serving: {} };
  const byModel = new Map<string, ShippedVersion[]>();
  for (const version of versions) {
    const { manifest, compiled } = await withServing(env, version);
    const outcome = await storeVersion(env, manifest, version.bytes, compiled);
    const name = `${manifest.model}/${manifest.version}`;
    summary[outcome === "created" ? "created" : "unchanged"].push(name);
    if (manifest.serving) summary.serving[name] = manifest.serving;
    byModel.set(manifest.model, [...(byModel.get(manifest.model) ?? []), { manifest, bytes: version.bytes }]);
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
