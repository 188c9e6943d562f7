import type { Manifest, NumericReference } from "../../contracts/manifest.ts";
import { derivedPerObject } from "../../platform/derived-per-object.ts";
import { idReferences } from "../drift/model-annotations.ts";
import { edgesDigest } from "./edges-digest.ts";

/** A numeric reference's grids: its PSI bin edges and its 101 quantiles. */
export interface NumericPlan {
  edges: readonly number[];
  quantiles: readonly number[];
  digest: string;
}

/** How one feature of a version is counted. */
export interface FeaturePlan {
  name: string;
  /** The manifest feature kind: "category" values are read as strings, the others as finite numbers. */
  kind: "number" | "integer" | "category";
  /** Numeric reference (numeric features). */
  numeric?: NumericPlan;
  /** Category reference (category features): its categories, or the id_reference ids of an id feature. */
  categories?: ReadonlySet<string>;
  categoryDigest?: string;
  /** Ids of `training.id_reference` (counted beside the numeric bins of a numeric id feature). */
  ids?: ReadonlySet<string>;
}

/** What the fold needs of a version's manifest, derived once per manifest object. */
export interface FoldPlan {
  features: FeaturePlan[];
  prediction: NumericPlan;
  /** Multiclass: the reference's predicted classes (prediction_classes). */
  classes?: { set: ReadonlySet<string>; digest: string };
}

const numericPlan = (reference: NumericReference): NumericPlan => ({
  edges: reference.bins.edges,
  quantiles: reference.quantiles,
  digest: edgesDigest({ edges: reference.bins.edges, quantiles: reference.quantiles }),
});

const categoryKeys = (keys: Iterable<string>) => [...keys].sort();

function buildFoldPlan(manifest: Manifest): FoldPlan {
  const idRefs = idReferences(manifest);
  const features: FeaturePlan[] = [];
  for (const feature of manifest.features) {
    const reference = manifest.reference.features[feature.name];
    if (!reference) continue;
    const idReference = idRefs[feature.name];
    const idKeys = idReference
      ? categoryKeys(Object.entries(idReference.counts).flatMap(([id, count]) => (count > 0 ? [id] : [])))
      : null;
    const plan: FeaturePlan = { name: feature.name, kind: feature.kind };
    if (feature.kind === "category" || reference.type === "category") {
      const keys =
        idKeys ?? (reference.type === "category" ? categoryKeys(Object.keys(reference.proportions)) : []);
      plan.kind = "category";
      plan.categories = new Set(keys);
      plan.categoryDigest = edgesDigest({ categories: keys, ids: idKeys !== null });
    } else {
      plan.numeric = numericPlan(reference);
      if (idKeys) {
        plan.ids = new Set(idKeys);
        plan.numeric = {
          ...plan.numeric,
          digest: edgesDigest({ numeric: plan.numeric.digest, ids: idKeys }),
        };
      }
    }
    features.push(plan);
  }
  const plan: FoldPlan = { features, prediction: numericPlan(manifest.reference.prediction) };
  const classes = manifest.reference.prediction_classes;
  if (manifest.task === "multiclass_classification" && classes) {
    const keys = categoryKeys(Object.keys(classes.proportions));
    plan.classes = { set: new Set(keys), digest: edgesDigest({ categories: keys, ids: false }) };
  }
  return plan;
}

/** The fold plan of a manifest (cached per manifest object; manifests are immutable once published). */
export const foldPlan = derivedPerObject(buildFoldPlan);
