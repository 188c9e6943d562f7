import { problems } from "../problems/index.ts";
import type { ModelEngine } from "./model-engine.ts";

/**
 * Stands in for ./ort-engine.ts in the lean build (wrangler.lean.toml `alias`): onnxruntime-web is not
 * bundled, so only graphs inside the compact engine's operator set can be published or served.
 */
export const ortInBuild = false;

export async function openOrtEngine(_model: Uint8Array): Promise<ModelEngine> {
  throw problems.engineUnavailable(
    "This deployment is the lean build, without onnxruntime-web; it serves only versions the compact engine runs.",
  );
}
