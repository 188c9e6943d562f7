import { z } from "@hono/zod-openapi";
import type { ShippedFeature, ShippedModel } from "./shipped-model-types.ts";

/** A JSON Schema object as it goes into the OpenAPI document. */
export type JsonSchema = { [key: string]: unknown };

const isFeatureRow = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function featureSchema(feature: ShippedFeature): JsonSchema {
  let schema: JsonSchema;
  if (feature.kind === "category") {
    schema = feature.allow_unknown
      ? { type: "string", examples: feature.values }
      : { type: "string", enum: feature.values };
  } else {
    schema = {
      type: feature.kind,
      ...(feature.min !== undefined ? { minimum: feature.min } : {}),
      ...(feature.max !== undefined ? { maximum: feature.max } : {}),
    };
  }
  const description = feature.description || feature.name;
  // The validator treats null like an absent value: refused for a required feature, allowed otherwise.
  if (!feature.required) return { description, anyOf: [schema, { type: "null" }] };
  return { description, ...schema };
}

/**
 * One row of a model's features, exactly as the manifest validator (inference/feature-validation.ts)
 * checks it: every required feature, each within its type/range/categories, no unknown fields (other than
 * `extra`, fields that sit beside the features on a seed route).
 */
export function featureRowJsonSchema(
  model: ShippedModel,
  extra: Record<string, JsonSchema> = {},
): JsonSchema {
  const [example] = model.examples;
  return {
    type: "object",
    description: `${model.title}: the features of ${model.model}/${model.default_version} (from its manifest).`,
    properties: {
      ...Object.fromEntries(model.features.map((feature) => [feature.name, featureSchema(feature)])),
      ...extra,
    },
    required: model.features.filter((feature) => feature.required).map((feature) => feature.name),
    additionalProperties: false,
    ...(example ? { example } : {}),
  };
}

/**
 * A zod schema that only checks "an object" at runtime (the manifest validator then names every bad field,
 * once) while the OpenAPI document shows `jsonSchema`: the model's fields, types, ranges and categories.
 */
export const documentedRow = (jsonSchema: JsonSchema) =>
  z
    .custom<Record<string, unknown>>(isFeatureRow, { message: "expected an object of feature values" })
    .openapi(jsonSchema as never);

/** `interval_level` as a model accepts it: one of the coverages its versions are calibrated for. */
const intervalLevelJsonSchema = (model: ShippedModel): JsonSchema | undefined =>
  model.interval_levels.length
    ? {
        type: "number",
        enum: model.interval_levels,
        description: "Coverage of the returned conformal interval.",
      }
    : undefined;

const VERSION_PATTERN = "^[a-z0-9][a-z0-9_.-]{0,63}$";

/** The body of POST /v1/models/<model>/predict for one shipped model; `rowRef` points at its feature row. */
export function modelPredictRequestJsonSchema(
  model: ShippedModel,
  rowRef: JsonSchema,
  maxRows: number,
): JsonSchema {
  const level = intervalLevelJsonSchema(model);
  const [example] = model.examples;
  return {
    type: "object",
    description: "Exactly one of `inputs` (one row) or `instances` (a batch).",
    properties: {
      inputs: rowRef,
      instances: { type: "array", items: rowRef, minItems: 1, maxItems: maxRows },
      version: { type: "string", pattern: VERSION_PATTERN, description: "Serve this version explicitly." },
      ab: {
        type: "boolean",
        description: "true: split across versions; false: pin the default; absent: follow the registry.",
      },
      ...(level ? { interval_level: level } : {}),
    },
    oneOf: [{ required: ["inputs"] }, { required: ["instances"] }],
    additionalProperties: false,
    ...(example ? { example: { inputs: example } } : {}),
  };
}
