import type { Manifest } from "../contracts/manifest.ts";
import { enginePlatform, servingEngine } from "../inference/model-engine.ts";
import { readManifest } from "../repository/registry-reader.ts";
import type { ModelRecord } from "../repository/registry-types.ts";
import { trafficWeight, versionEntry } from "../repository/version-lookup.ts";

/** The Open Inference Protocol `platform` of a version: "edge_compact" or "onnxruntime_onnx" (docs/architecture.md). */
export function servingPlatform(manifest: Pick<Manifest, "serving">): string {
  return enginePlatform(servingEngine(manifest));
}

/** How a version is served: its engine and, for the compact engine, the compiled form's facts. */
function describeServing(manifest: Pick<Manifest, "serving">) {
  const compiled = manifest.serving?.compiled;
  return {
    engine: servingEngine(manifest),
    platform: servingPlatform(manifest),
    ...(compiled
      ? {
          compiled: {
            format_version: compiled.format_version,
            sha256: compiled.sha256,
            bytes: compiled.bytes,
            retained_bytes: compiled.retained_bytes,
            tree_nodes: compiled.tree_nodes,
          },
        }
      : {}),
  };
}

/** Public description of a model's inputs and outputs (no reference distributions or examples). */
export function describeSignature(manifest: Manifest) {
  return {
    task: manifest.task,
    features: manifest.features.map((feature) => ({
      name: feature.name,
      kind: feature.kind,
      required: feature.required,
      description: feature.description,
      ...(feature.kind === "category"
        ? { values: feature.values, allow_unknown: feature.allow_unknown }
        : { min: feature.min, max: feature.max }),
    })),
    output: manifest.output,
    interval_levels: manifest.intervals?.levels.map((level) => level.coverage) ?? [],
  };
}

export function describeVersion(record: ModelRecord, version: string, manifest: Manifest | null) {
  const entry = versionEntry(record, version);
  return {
    version,
    status: entry?.status ?? "unknown",
    is_default: record.default === version,
    traffic_weight: trafficWeight(record, version),
    shadow: record.traffic.shadow.includes(version),
    sha256: entry?.sha256,
    bytes: entry?.bytes,
    published_at: entry?.published_at,
    ...(manifest
      ? {
          serving: describeServing(manifest),
          title: manifest.title,
          description: manifest.description,
          metrics: manifest.metrics,
          params: manifest.params,
          trained_at: manifest.training.trained_at,
          mlflow: manifest.training.mlflow,
        }
      : {}),
  };
}

export function describeModel(record: ModelRecord, manifest: Manifest) {
  return {
    name: record.name,
    title: manifest.title ?? record.name,
    description: manifest.description,
    default_version: record.default,
    versions: Object.keys(record.versions).sort(),
    // The A/B salt stays private: with it, anyone could compute which arm a subject lands on.
    traffic: {
      weights: record.traffic.weights,
      shadow: record.traffic.shadow,
      effective_at: record.traffic.effective_at,
    },
    revision: record.revision,
    updated_at: record.updated_at,
    signature: describeSignature(manifest),
  };
}

/** Every version of a model, sorted, with its manifest's metrics when the manifest is readable. */
export function describeVersions(kv: KVNamespace, record: ModelRecord) {
  return Promise.all(
    Object.keys(record.versions)
      .sort()
      .map(async (version) =>
        describeVersion(record, version, await readManifest(kv, record.name, version).catch(() => null)),
      ),
  );
}
