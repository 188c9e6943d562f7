import { readFileSync, writeFileSync } from "node:fs";
import type { Feature, Manifest } from "../../worker/contracts/manifest.ts";
import type { ShippedFeature, ShippedModel } from "../../worker/http/schemas/shipped-model-types.ts";
import { readShippedModels } from "../dev/shipped-models.ts";

/**
 * Generates worker/http/schemas/shipped-models.generated.json from models/<m>/<v>/manifest.json (the default version's
 * features, every version's interval levels, the examples), so the OpenAPI document carries per-model request
 * schemas without a hand-kept copy. `--check` exits 1 when the file is not current (CI).
 */
const TARGET = new URL("../../worker/http/schemas/shipped-models.generated.json", import.meta.url);

function feature(f: Feature): ShippedFeature {
  const common = { name: f.name, description: f.description, required: f.required };
  if (f.kind === "category")
    return { ...common, kind: f.kind, values: f.values, allow_unknown: f.allow_unknown };
  return {
    ...common,
    kind: f.kind,
    ...(f.min !== undefined ? { min: f.min } : {}),
    ...(f.max !== undefined ? { max: f.max } : {}),
  };
}

function shippedModels(): ShippedModel[] {
  const { versions, defaults } = readShippedModels();
  const byModel = new Map<string, Manifest[]>();
  for (const { manifest } of versions)
    byModel.set(manifest.model, [...(byModel.get(manifest.model) ?? []), manifest]);
  return [...byModel.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([model, manifests]) => {
      const defaultVersion = defaults[model] ?? manifests[0]?.version ?? "";
      const main = manifests.find((m) => m.version === defaultVersion);
      if (!main) throw new Error(`${model}: default version ${defaultVersion} is not shipped`);
      const levelSets = manifests.map((m) => new Set(m.intervals?.levels.map((l) => l.coverage) ?? []));
      const levels = [...(levelSets[0] ?? [])].filter((level) => levelSets.every((set) => set.has(level)));
      return {
        model,
        default_version: defaultVersion,
        versions: manifests.map((m) => m.version).sort(),
        title: main.title ?? model,
        task: main.task,
        features: main.features.map(feature),
        interval_levels: levels.sort((a, b) => a - b),
        examples: main.examples.map((example) => example.inputs),
        catalog_features: main.catalog?.features ?? null,
      };
    });
}

const source = `${JSON.stringify(shippedModels(), null, 2)}\n`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(TARGET, "utf8");
  } catch {
    // missing counts as stale
  }
  if (current !== source) {
    console.error(`${TARGET.pathname} is stale: run \`npx tsx scripts/ci/openapi-shipped-models.ts\``);
    process.exit(1);
  }
  console.log("shipped model schemas are current");
} else {
  writeFileSync(TARGET, source);
  console.log(`wrote ${TARGET.pathname}`);
}
