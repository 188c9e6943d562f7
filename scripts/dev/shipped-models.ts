import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { manifestSchema } from "../../worker/contracts/manifest.ts";
import type { ShippedVersion } from "../../worker/data-plane/seed-versions.ts";

export const MODELS_DIR = new URL("../../models/", import.meta.url).pathname;

/** Reads models/<model>/<version>/{manifest.json,model.onnx} and models/<model>/registry.json from disk. */
export function readShippedModels(root: string = MODELS_DIR): {
  versions: ShippedVersion[];
  defaults: Record<string, string>;
} {
  const versions: ShippedVersion[] = [];
  const defaults: Record<string, string> = {};
  for (const model of readdirSync(root, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
    const modelDir = join(root, model.name);
    const registryFile = join(modelDir, "registry.json");
    if (existsSync(registryFile))
      defaults[model.name] = JSON.parse(readFileSync(registryFile, "utf8")).default;
    for (const version of readdirSync(modelDir, { withFileTypes: true }).filter((entry) =>
      entry.isDirectory(),
    )) {
      const dir = join(modelDir, version.name);
      if (!existsSync(join(dir, "manifest.json"))) continue;
      const manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
      versions.push({ manifest, bytes: new Uint8Array(readFileSync(join(dir, manifest.artifact.file))) });
    }
  }
  return { versions, defaults };
}
