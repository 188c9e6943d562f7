import { z } from "zod";
import type { Manifest } from "../../contracts/manifest.ts";

/**
 * Optional drift inputs a training run may record in `manifest.training` (the block accepts extra keys, so
 * older manifests stay valid and these need no contract change):
 *
 * - `feature_importance`: {feature: importance ≥ 0}, e.g. permutation importance on the holdout. A feature's
 *   drift weight is its importance over the largest (so the most important feature weighs 1); a feature absent
 *   from the map, or a manifest without it, weighs 1.
 * - `id_reference`: {feature: {counts: {id: rows}}}, the reference rows per id of an identifier feature
 *   (user_id, item_id). A feature listed here is monitored as a category (distribution of ids, two-sample
 *   chi-square) with coverage of active vs reference ids, not as an ordinal number.
 *
 * A block that does not parse is ignored (the drift falls back to weight 1 / numeric monitoring).
 */
const featureImportanceSchema = z.record(z.string(), z.number().nonnegative());
const idReferenceSchema = z.record(
  z.string(),
  z.object({ counts: z.record(z.string(), z.number().nonnegative()) }),
);

export type IdReference = z.infer<typeof idReferenceSchema>[string];

export function driftWeights(manifest: Manifest): (feature: string) => number {
  const parsed = featureImportanceSchema.safeParse(
    (manifest.training as Record<string, unknown>).feature_importance,
  );
  if (!parsed.success) return () => 1;
  const largest = Math.max(0, ...Object.values(parsed.data));
  if (!(largest > 0)) return () => 1;
  return (feature) => {
    const importance = parsed.data[feature];
    return importance === undefined ? 1 : importance / largest;
  };
}

export function idReferences(manifest: Manifest): Readonly<Record<string, IdReference>> {
  const parsed = idReferenceSchema.safeParse((manifest.training as Record<string, unknown>).id_reference);
  return parsed.success ? parsed.data : {};
}
