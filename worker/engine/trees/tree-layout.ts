import { NodeIssue } from "../graph/attribute-reader.ts";
import { FLAG_LEAF, FLAG_MISSING_TRUE } from "./tree-evaluate.ts";

/** nodes_modes values; a node's flags keep the position of its mode (LEAF becomes FLAG_LEAF). */
export const NODE_MODES = [
  "BRANCH_LEQ",
  "BRANCH_LT",
  "BRANCH_GTE",
  "BRANCH_GT",
  "BRANCH_EQ",
  "BRANCH_NEQ",
  "LEAF",
];
const LEAF_CODE = 6;

interface TreeAttributes {
  treeIds: Float64Array;
  nodeIds: Float64Array;
  featureIds: Float64Array;
  /** Positions in NODE_MODES (-1: unknown mode). */
  modes: Int16Array;
  trueIds: Float64Array;
  falseIds: Float64Array;
  /** Thresholds already in the threshold type (float32 values or float64). */
  thresholds: Float64Array;
  missingTracksTrue: Float64Array;
  weightTreeIds: Float64Array;
  weightNodeIds: Float64Array;
  weightTargets: Float64Array;
  weightValues: Float64Array;
  /** Number of targets (regressor) or classes (classifier). */
  outputs: number;
}

/**
 * The flat form of a tree ensemble: nodes in depth-first order with the false child right after its parent,
 * so a node stores only its true child. Leaves reuse the slots: `threshold` holds the first weight,
 * `trueChild` the first index into the weight arrays and `feature` the number of weights.
 */
interface TreeLayout {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  trueChild: Int32Array;
  flags: Uint8Array;
  weightTarget: Int32Array;
  weightValue: Float64Array;
  maxFeature: number;
  sameMode: number;
}

/** Nodes emitted for several roots of one tree id (non-contiguous tree ids) are capped at this multiple. */
const MAX_EXPANSION = 4;

/** Indices 0..n-1 ordered by (first, second, index), as typed arrays (no object per element). */
function sortedByIds(first: Float64Array, second: Float64Array): Int32Array {
  const order = new Int32Array(first.length);
  let sorted = true;
  for (let i = 0; i < order.length; i++) {
    order[i] = i;
    if (
      i > 0 &&
      ((first[i - 1] as number) > (first[i] as number) ||
        (first[i - 1] === first[i] && (second[i - 1] as number) > (second[i] as number)))
    )
      sorted = false;
  }
  if (!sorted)
    order.sort(
      (a, b) =>
        (first[a] as number) - (first[b] as number) || (second[a] as number) - (second[b] as number) || a - b,
    );
  return order;
}

class GrowableInt32 {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(capacity, 16));
  }
  push(value: number): void {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }
  finish(): Int32Array {
    return this.data.slice(0, this.length);
  }
}

/** Builds the flat layout with ONNX Runtime's reading of the attributes (roots, weights, leaves). */
export function layoutTrees(attributes: TreeAttributes): TreeLayout {
  const count = attributes.treeIds.length;
  const lengths: [string, number][] = [
    ["nodes_nodeids", attributes.nodeIds.length],
    ["nodes_featureids", attributes.featureIds.length],
    ["nodes_modes", attributes.modes.length],
    ["nodes_truenodeids", attributes.trueIds.length],
    ["nodes_falsenodeids", attributes.falseIds.length],
    ["nodes_values", attributes.thresholds.length],
  ];
  for (const [name, length] of lengths)
    if (length !== count) throw new NodeIssue(`has ${length} entries, nodes_treeids has ${count}`, name);
  if (attributes.missingTracksTrue.length > count)
    throw new NodeIssue("longer than nodes_treeids", "nodes_missing_value_tracks_true");
  const weightCount = attributes.weightTreeIds.length;
  if (attributes.weightNodeIds.length !== weightCount || attributes.weightTargets.length !== weightCount)
    throw new NodeIssue("weight attributes (tree ids, node ids, targets) differ in length");
  if (attributes.weightValues.length !== weightCount)
    throw new NodeIssue("weights differ in length from their ids");
  if (count === 0) throw new NodeIssue("the ensemble has no nodes", "nodes_treeids");
  if (count > 2 ** 26) throw new NodeIssue("the ensemble has too many nodes", "nodes_treeids");

  const { treeIds, nodeIds } = attributes;
  const flags = new Uint8Array(count);
  let sameMode = -1;
  let mixed = false;
  let maxFeature = 0;
  for (let i = 0; i < count; i++) {
    const mode = attributes.modes[i] as number;
    const feature = attributes.featureIds[i] as number;
    if (!Number.isInteger(feature) || feature < 0 || feature > 2 ** 30)
      throw new NodeIssue(`feature id ${feature} is invalid`, "nodes_featureids");
    if (feature > maxFeature) maxFeature = feature;
    if (mode < 0) throw new NodeIssue("a node mode is unknown", "nodes_modes");
    if (mode === LEAF_CODE) flags[i] = FLAG_LEAF;
    else {
      flags[i] = mode;
      if (sameMode === -1) sameMode = mode;
      else if (sameMode !== mode) mixed = true;
    }
    if ((attributes.missingTracksTrue[i] ?? 0) === 1) flags[i] = (flags[i] as number) | FLAG_MISSING_TRUE;
  }

  const nodeOrder = sortedByIds(treeIds, nodeIds);
  for (let k = 1; k < count; k++) {
    const a = nodeOrder[k - 1] as number;
    const b = nodeOrder[k] as number;
    if (treeIds[a] === treeIds[b] && nodeIds[a] === nodeIds[b])
      throw new NodeIssue(`node ${treeIds[b]}:${nodeIds[b]} (tree:node) appears twice`, "nodes_nodeids");
  }
  /** The attribute index of node (tree, node), or -1. */
  const find = (tree: number, node: number): number => {
    let low = 0;
    let high = count - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const index = nodeOrder[middle] as number;
      const t = treeIds[index] as number;
      const n = nodeIds[index] as number;
      if (t === tree && n === node) return index;
      if (t < tree || (t === tree && n < node)) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  };
  const child = (i: number, which: "true" | "false"): number => {
    const id = (which === "true" ? attributes.trueIds : attributes.falseIds)[i] as number;
    if (!(id >= 0 && id < count))
      throw new NodeIssue(`child id ${id} is out of range`, `nodes_${which}nodeids`);
    const found = find(treeIds[i] as number, id);
    if (found < 0) throw new NodeIssue(`child node ${id} does not exist`, `nodes_${which}nodeids`);
    if (found === i) throw new NodeIssue("a node points to itself", `nodes_${which}nodeids`);
    return found;
  };

  // Weights in (tree, node, position) order as ORT sorts them: each leaf's weights form one run.
  const wTree = attributes.weightTreeIds;
  const wNode = attributes.weightNodeIds;
  const weightOrder = sortedByIds(wTree, wNode);
  const leafFirst = new Int32Array(count).fill(-1);
  const leafCount = new Int32Array(count);
  for (let k = 0; k < weightCount; ) {
    const w = weightOrder[k] as number;
    let end = k + 1;
    while (
      end < weightCount &&
      wTree[weightOrder[end] as number] === wTree[w] &&
      wNode[weightOrder[end] as number] === wNode[w]
    )
      end++;
    const found = find(wTree[w] as number, wNode[w] as number);
    if (found < 0) throw new NodeIssue(`weight for missing node ${wTree[w]}:${wNode[w]}`);
    if ((flags[found] as number) & FLAG_LEAF) {
      leafFirst[found] = k;
      leafCount[found] = end - k;
    }
    for (let j = k; j < end; j++) {
      const target = attributes.weightTargets[weightOrder[j] as number] as number;
      if (!(Number.isInteger(target) && target >= 0 && target < attributes.outputs))
        throw new NodeIssue(`target/class id ${target} is out of range`);
    }
    k = end;
  }
  for (let i = 0; i < count; i++)
    if ((flags[i] as number) & FLAG_LEAF && leafFirst[i] === -1)
      throw new NodeIssue(`leaf ${treeIds[i]}:${nodeIds[i]} has no weight`);

  const limit = count * MAX_EXPANSION;
  const outFeature = new GrowableInt32(count);
  const outTrue = new GrowableInt32(count);
  const outFlags = new GrowableInt32(count);
  const outThreshold: number[] = [];
  const weightTarget = new GrowableInt32(weightCount);
  const weightValue: number[] = [];
  const roots = new GrowableInt32(16);
  const visited = new Int32Array(count).fill(-1);
  const stack = new Int32Array(2 * count + 2);
  let rootIndex = 0;
  for (let root = 0; root < count; root++) {
    // Roots: the first node of each run of equal tree ids, in attribute order (as ORT does).
    if (root > 0 && treeIds[root] === treeIds[root - 1]) continue;
    roots.push(outFeature.length);
    let top = 0;
    stack[top++] = root;
    stack[top++] = -1;
    while (top > 0) {
      const parent = stack[--top] as number;
      const node = stack[--top] as number;
      if (visited[node] === rootIndex)
        throw new NodeIssue("the nodes of a tree form a cycle or share a subtree");
      visited[node] = rootIndex;
      const position = outFeature.length;
      if (position >= limit)
        throw new NodeIssue("tree ids repeat in too many separate runs", "nodes_treeids");
      if (parent >= 0) outTrue.data[parent] = position;
      const nodeFlags = flags[node] as number;
      outFlags.push(nodeFlags);
      if (nodeFlags & FLAG_LEAF) {
        const first = leafFirst[node] as number;
        const size = leafCount[node] as number;
        outFeature.push(size);
        outTrue.push(weightValue.length);
        outThreshold.push(attributes.weightValues[weightOrder[first] as number] as number);
        for (let j = first; j < first + size; j++) {
          const w = weightOrder[j] as number;
          weightTarget.push(attributes.weightTargets[w] as number);
          weightValue.push(attributes.weightValues[w] as number);
        }
      } else {
        outFeature.push(attributes.featureIds[node] as number);
        outThreshold.push(attributes.thresholds[node] as number);
        outTrue.push(-1);
        // The false child is emitted next (popped first); the true child records its position in its parent.
        stack[top++] = child(node, "true");
        stack[top++] = position;
        stack[top++] = child(node, "false");
        stack[top++] = -2;
      }
    }
    rootIndex++;
  }
  return {
    roots: roots.finish(),
    feature: outFeature.finish(),
    threshold: Float64Array.from(outThreshold),
    trueChild: outTrue.finish(),
    flags: Uint8Array.from(outFlags.finish()),
    weightTarget: weightTarget.finish(),
    weightValue: Float64Array.from(weightValue),
    maxFeature,
    sameMode: mixed ? -1 : sameMode,
  };
}
