import type { IdReference, Manifest } from "../../contracts/manifest.ts";

export type { IdReference };

/**
 * Optional drift inputs a training run records in `manifest.training` (typed optional fields of the manifest
 * contract, so manifests without them stay valid):
 *
 * - `feature_importance`: {feature: importance ≥ 0}, the permutation importance on the holdout
 *   (edge_training/importance.py). A feature's drift weight is its importance over the largest (so the most
 *   important feature weighs 1); a feature absent from the map, or a manifest without it (or with every
 *   importance 0), weighs 1.
 * - `id_reference`: {feature: {counts: {id: rows}}}, the reference rows per id of an identifier feature
 *   (user_id, item_id). A feature listed here is monitored as a category (distribution of ids, two-sample
 *   chi-square) with coverage of active vs reference ids, not as an ordinal number.
 */
export function driftWeights(manifest: Manifest): (feature: string) => number {
  const importance = manifest.training.feature_importance;
  if (!importance) return () => 1;
  const largest = Math.max(0, ...Object.values(importance));
  if (!(largest > 0)) return () => 1;
  return (feature) => {
    const value = importance[feature];
    return value === undefined ? 1 : value / largest;
  };
}

export function idReferences(manifest: Manifest): Readonly<Record<string, IdReference>> {
  return manifest.training.id_reference ?? {};
}
