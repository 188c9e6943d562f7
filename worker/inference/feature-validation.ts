import type { Feature, Manifest } from "../contracts/manifest.ts";
import { derivedPerObject } from "../platform/derived-per-object.ts";
import type { FieldError } from "../problems/index.ts";

export type FeatureValue = number | string;
/** A validated row: every manifest feature present, absent optional ones as `undefined`. */
export type FeatureRow = Record<string, FeatureValue | undefined>;

export const MAX_REPORTED_ERRORS = 200;

/** How a row/feature is named in errors, e.g. `inputs.age` or `instances[3].age`. */
export type FieldPath = (row: number, feature: string) => string;

export interface RowValidation {
  rows: FeatureRow[];
  errors: FieldError[];
  /** Errors beyond MAX_REPORTED_ERRORS that were counted but not listed. */
  omitted: number;
}

function checkValue(feature: Feature, value: unknown): string | undefined {
  if (feature.kind === "category") {
    if (typeof value !== "string") return `must be a string, one of ${feature.values.join(", ")}`;
    if (!feature.allow_unknown && !feature.values.includes(value)) {
      return `unknown category "${value}", expected one of ${feature.values.join(", ")}`;
    }
    return undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return "must be a finite number";
  if (feature.kind === "integer" && !Number.isInteger(value)) return "must be an integer";
  if (feature.min !== undefined && value < feature.min) return `must be >= ${feature.min}`;
  if (feature.max !== undefined && value > feature.max) return `must be <= ${feature.max}`;
  return undefined;
}

const NO_IGNORED_FIELDS: ReadonlySet<string> = new Set();
/** Name → feature, once per manifest (cached manifests are reused across requests). */
const featuresByName = derivedPerObject(
  (features: readonly Feature[]): ReadonlyMap<string, Feature> =>
    new Map(features.map((feature) => [feature.name, feature])),
);

/** Validates raw rows against the manifest's features; reports every bad field (up to a cap). */
export function validateRows(
  manifest: Pick<Manifest, "features">,
  rawRows: readonly unknown[],
  fieldPath: FieldPath,
  ignoredFields: ReadonlySet<string> = NO_IGNORED_FIELDS,
): RowValidation {
  const byName = featuresByName(manifest.features);
  const rows: FeatureRow[] = [];
  const errors: FieldError[] = [];
  let omitted = 0;
  const report = (field: string, message: string) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ field, message });
    else omitted += 1;
  };

  rawRows.forEach((raw, index) => {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      report(fieldPath(index, "").replace(/\.$/, ""), "must be an object of feature values");
      return;
    }
    const record = raw as Record<string, unknown>;
    for (const name of Object.keys(record)) {
      if (!byName.has(name) && !ignoredFields.has(name)) report(fieldPath(index, name), "unknown field");
    }
    const row: FeatureRow = {};
    for (const feature of manifest.features) {
      const value = record[feature.name];
      if (value === undefined || value === null) {
        if (feature.required) report(fieldPath(index, feature.name), "required");
        row[feature.name] = undefined;
        continue;
      }
      const problem = checkValue(feature, value);
      if (problem) report(fieldPath(index, feature.name), problem);
      else row[feature.name] = value as FeatureValue;
    }
    rows.push(row);
  });
  return { rows, errors, omitted };
}
