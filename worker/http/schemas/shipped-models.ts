import type { ShippedModel } from "./shipped-model-types.ts";
import generated from "./shipped-models.generated.json";

/** The shipped models as their manifests describe them (scripts/ci/openapi-shipped-models.ts keeps this current). */
export const SHIPPED_MODELS = generated as readonly ShippedModel[];

export const shippedModel = (name: string): ShippedModel => {
  const model = SHIPPED_MODELS.find((entry) => entry.model === name);
  if (!model) throw new Error(`no shipped model ${name} (run scripts/ci/openapi-shipped-models.ts)`);
  return model;
};
