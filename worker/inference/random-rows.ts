import type { Feature, Manifest } from "../contracts/manifest.ts";
import type { FeatureRow } from "./feature-validation.ts";

/** mulberry32: a small seeded generator, so a publish verifies the same rows every time. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function bounds(manifest: Pick<Manifest, "reference">, feature: Feature): { min: number; max: number } {
  const reference = manifest.reference.features[feature.name];
  const fallback = reference?.type === "numeric" ? reference : { min: 0, max: 1 };
  const min = feature.kind === "category" ? 0 : (feature.min ?? fallback.min);
  const max = feature.kind === "category" ? 1 : (feature.max ?? fallback.max);
  return { min, max: Math.max(min, max) };
}

/**
 * Rows within the manifest's declared ranges and categories (the reference range when a feature has none);
 * optional features are sometimes absent and categories that allow unknowns sometimes get an unseen value,
 * so the graph's imputing and unknown-category paths run too.
 */
export function randomRows(
  manifest: Pick<Manifest, "features" | "reference">,
  count: number,
  seed: number,
): FeatureRow[] {
  const next = generator(seed);
  return Array.from({ length: count }, () => {
    const row: FeatureRow = {};
    for (const feature of manifest.features) {
      if (!feature.required && next() < 0.15) {
        row[feature.name] = undefined;
        continue;
      }
      if (feature.kind === "category") {
        const unseen = feature.allow_unknown && next() < 0.1;
        row[feature.name] = unseen
          ? "__unseen__"
          : (feature.values[Math.floor(next() * feature.values.length)] ?? feature.values[0]);
        continue;
      }
      const { min, max } = bounds(manifest, feature);
      const value = min + next() * (max - min);
      row[feature.name] =
        feature.kind === "integer"
          ? Math.min(Math.floor(max), Math.max(Math.ceil(min), Math.round(value)))
          : value;
    }
    return row;
  });
}

/** A seed derived from the artifact's sha256, so each artifact has its own fixed rows. */
export const seedOf = (sha256: string): number => Number.parseInt(sha256.slice(0, 8), 16) || 1;
