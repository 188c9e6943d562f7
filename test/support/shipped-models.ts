import { type Manifest, manifestSchema } from "../../worker/contracts/manifest.ts";
import { type ShippedVersion, seedVersions } from "../../worker/data-plane/seed-versions.ts";

const manifestModules = import.meta.glob<{ default: unknown }>("../../models/*/*/manifest.json", {
  eager: true,
});
const artifactModules = import.meta.glob<{ default: ArrayBuffer }>("../../models/*/*/model.onnx", {
  eager: true,
});
const registryModules = import.meta.glob<{ default: { default: string } }>("../../models/*/registry.json", {
  eager: true,
});

/** Every version under models/, parsed with the Worker's own manifest schema. */
export const shippedVersions: ShippedVersion[] = Object.entries(manifestModules)
  .map(([path, module]) => {
    const artifact = artifactModules[path.replace(/manifest\.json$/, "model.onnx")];
    if (!artifact) throw new Error(`no model.onnx beside ${path}`);
    return { manifest: manifestSchema.parse(module.default), bytes: new Uint8Array(artifact.default) };
  })
  .sort((a, b) =>
    `${a.manifest.model}/${a.manifest.version}`.localeCompare(`${b.manifest.model}/${b.manifest.version}`),
  );

export const shippedManifests: Manifest[] = shippedVersions.map((version) => version.manifest);

export const shippedDefaults: Record<string, string> = Object.fromEntries(
  Object.entries(registryModules).map(([path, module]) => [
    path.split("/").at(-2) ?? "",
    module.default.default,
  ]),
);

export function shippedVersion(model: string, version?: string): ShippedVersion {
  const wanted = version ?? shippedDefaults[model];
  const found = shippedVersions.find(
    (entry) => entry.manifest.model === model && entry.manifest.version === wanted,
  );
  if (!found) throw new Error(`no shipped version ${model}/${wanted}`);
  return found;
}

/** Seeds the (per-test-file) KV/R2 with the shipped versions, as `npm start` does locally. */
export function seedShippedModels(env: Cloudflare.Env, models?: string[]) {
  const versions = models
    ? shippedVersions.filter((entry) => models.includes(entry.manifest.model))
    : shippedVersions;
  return seedVersions(env, versions, shippedDefaults);
}
