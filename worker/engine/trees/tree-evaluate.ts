/** Node flags in the flat layout: mode code in the low 3 bits, then leaf and missing-goes-true bits. */
export const FLAG_LEAF = 8;
export const FLAG_MISSING_TRUE = 16;
const MODE_MASK = 7;

/** The arrays of a flat tree ensemble as the kernel reads them (views over the compiled buffer). */
export interface FlatTrees {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float32Array | Float64Array;
  trueChild: Int32Array;
  flags: Uint8Array;
  /** -1: mixed modes; otherwise every branch uses this mode code. */
  sameMode: number;
}

/**
 * Walks every tree for the row starting at `base` and writes each tree's leaf into `leaves`.
 * One call per row (not per tree) with the loop specialised for the common single-mode ensembles.
 */
export function collectLeaves(
  trees: FlatTrees,
  x: ArrayLike<number>,
  base: number,
  leaves: Int32Array,
): void {
  const { roots, feature, threshold, trueChild, flags } = trees;
  const LEAF = FLAG_LEAF;
  const MISSING_TRUE = FLAG_MISSING_TRUE;
  const MODE = MODE_MASK;
  const count = roots.length;
  if (trees.sameMode === 0) {
    for (let t = 0; t < count; t++) {
      let current = roots[t] as number;
      let nodeFlags = flags[current] as number;
      while (!(nodeFlags & LEAF)) {
        const value = x[base + (feature[current] as number)] as number;
        current =
          value <= (threshold[current] as number) || (nodeFlags & MISSING_TRUE && Number.isNaN(value))
            ? (trueChild[current] as number)
            : current + 1;
        nodeFlags = flags[current] as number;
      }
      leaves[t] = current;
    }
    return;
  }
  if (trees.sameMode === 1) {
    for (let t = 0; t < count; t++) {
      let current = roots[t] as number;
      let nodeFlags = flags[current] as number;
      while (!(nodeFlags & LEAF)) {
        const value = x[base + (feature[current] as number)] as number;
        current =
          value < (threshold[current] as number) || (nodeFlags & MISSING_TRUE && Number.isNaN(value))
            ? (trueChild[current] as number)
            : current + 1;
        nodeFlags = flags[current] as number;
      }
      leaves[t] = current;
    }
    return;
  }
  for (let t = 0; t < count; t++) {
    let current = roots[t] as number;
    let nodeFlags = flags[current] as number;
    while (!(nodeFlags & LEAF)) {
      const value = x[base + (feature[current] as number)] as number;
      const limit = threshold[current] as number;
      let goTrue: boolean;
      switch (nodeFlags & MODE) {
        case 0:
          goTrue = value <= limit;
          break;
        case 1:
          goTrue = value < limit;
          break;
        case 2:
          goTrue = value >= limit;
          break;
        case 3:
          goTrue = value > limit;
          break;
        case 4:
          goTrue = value === limit;
          break;
        default:
          goTrue = value !== limit;
      }
      if (!goTrue && nodeFlags & MISSING_TRUE && Number.isNaN(value)) goTrue = true;
      current = goTrue ? (trueChild[current] as number) : current + 1;
      nodeFlags = flags[current] as number;
    }
    leaves[t] = current;
  }
}

/** Checks a flat layout read from untrusted bytes: children strictly after parents, weights in range. */
export function validateFlatTrees(
  trees: FlatTrees,
  weightCount: number,
  outputs: number,
  weightTarget: Int32Array | null,
  maxFeature: number,
): string | null {
  const { roots, feature, threshold, trueChild, flags } = trees;
  const count = flags.length;
  if (feature.length !== count || threshold.length !== count || trueChild.length !== count)
    return "tree arrays differ in length";
  for (let i = 0; i < roots.length; i++) {
    const root = roots[i] as number;
    if (!(root >= 0 && root < count)) return "tree root out of range";
  }
  const LEAF = FLAG_LEAF;
  const MODE = MODE_MASK;
  for (let i = 0; i < count; i++) {
    const nodeFlags = flags[i] as number;
    const child = trueChild[i] as number;
    const column = feature[i] as number;
    if (nodeFlags & LEAF) {
      if (!(child >= 0 && column >= 1 && child + column <= weightCount)) return "leaf weights out of range";
    } else if ((nodeFlags & MODE) > 5) return "unknown node mode";
    else if (!(child > i + 1 && child < count)) return "tree child out of order";
    else if (!(column >= 0 && column <= maxFeature)) return "feature index out of range";
  }
  if (weightTarget)
    for (let i = 0; i < weightTarget.length; i++) {
      const target = weightTarget[i] as number;
      if (!(target >= 0 && target < outputs)) return "weight target out of range";
    }
  return null;
}
