import { NodeIssue } from "../graph/attribute-reader.ts";
import { FLAG_LEAF, FLAG_MISSING_TRUE } from "./tree-evaluate.ts";

/** Node mode codes in the flat layout (low 3 bits of a node's flags). */
export const MODE_CODES: Record<string, number> = {
  BRANCH_LEQ: 0,
  BRANCH_LT: 1,
  BRANCH_GTE: 2,
  BRANCH_GT: 3,
  BRANCH_EQ: 4,
  BRANCH_NEQ: 5,
};

export interface TreeAttributes {
  treeIds: Float64Array;
  nodeIds: Float64Array;
  featureIds: Float64Array;
  modes: string[];
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
export interface TreeLayout {
  roots: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  trueChild: Int32Array;
  flags: Uint8Array;
  weightTarget: Int32Array;
  weightValue: Float64Array;
  maxFeature: number;
  sameMode: number;
  hasMissingTracks: boolean;
}

const MAX_EXPANSION = 4;

function nodeKey(tree: number, node: number): string {
  return `${tree}:${node}`;
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

  const flags = new Uint8Array(count);
  const index = new Map<string, number>();
  let sameMode = -1;
  let mixed = false;
  let maxFeature = 0;
  for (let i = 0; i < count; i++) {
    const mode = attributes.modes[i] as string;
    const feature = attributes.featureIds[i] as number;
    if (!Number.isInteger(feature) || feature < 0 || feature > 2 ** 30)
      throw new NodeIssue(`feature id ${feature} is invalid`, "nodes_featureids");
    if (feature > maxFeature) maxFeature = feature;
    if (mode === "LEAF") flags[i] = FLAG_LEAF;
    else {
      const code = MODE_CODES[mode];
      if (code === undefined) throw new NodeIssue(`node mode ${mode} is unknown`, "nodes_modes");
      flags[i] = code;
      if (sameMode === -1) sameMode = code;
      else if (sameMode !== code) mixed = true;
    }
    if ((attributes.missingTracksTrue[i] ?? 0) === 1) flags[i] = (flags[i] as number) | FLAG_MISSING_TRUE;
    const key = nodeKey(attributes.treeIds[i] as number, attributes.nodeIds[i] as number);
    if (index.has(key)) throw new NodeIssue(`node ${key} (tree:node) appears twice`, "nodes_nodeids");
    index.set(key, i);
  }
  const hasMissingTracks = attributes.missingTracksTrue.some((value) => value !== 0);

  const children = (i: number, which: "true" | "false"): number => {
    const ids = which === "true" ? attributes.trueIds : attributes.falseIds;
    const id = ids[i] as number;
    if (!(id >= 0 && id < count))
      throw new NodeIssue(`child id ${id} is out of range`, `nodes_${which}nodeids`);
    const found = index.get(nodeKey(attributes.treeIds[i] as number, id));
    if (found === undefined) throw new NodeIssue(`child node ${id} does not exist`, `nodes_${which}nodeids`);
    if (found === i) throw new NodeIssue("a node points to itself", `nodes_${which}nodeids`);
    return found;
  };

  // Weights per leaf, in (tree, node, position) order as ORT sorts them; weights on branch nodes are ignored.
  const order = Array.from({ length: weightCount }, (_, i) => i);
  const wTree = attributes.weightTreeIds;
  const wNode = attributes.weightNodeIds;
  order.sort(
    (a, b) =>
      (wTree[a] as number) - (wTree[b] as number) || (wNode[a] as number) - (wNode[b] as number) || a - b,
  );
  const leafWeights = new Map<number, number[]>();
  for (const w of order) {
    const target = attributes.weightTargets[w] as number;
    if (!(Number.isInteger(target) && target >= 0 && target < attributes.outputs))
      throw new NodeIssue(`target/class id ${target} is out of range`, "class_ids/target_ids");
    const found = index.get(nodeKey(wTree[w] as number, wNode[w] as number));
    if (found === undefined) throw new NodeIssue(`weight for missing node ${wTree[w]}:${wNode[w]}`);
    if (!((flags[found] as number) & FLAG_LEAF)) continue;
    let list = leafWeights.get(found);
    if (!list) {
      list = [];
      leafWeights.set(found, list);
    }
    list.push(w);
  }
  for (let i = 0; i < count; i++)
    if ((flags[i] as number) & FLAG_LEAF && !leafWeights.has(i))
      throw new NodeIssue(`leaf ${attributes.treeIds[i]}:${attributes.nodeIds[i]} has no weight`);

  // Roots: the first node of each run of equal tree ids, in attribute order (as ORT does).
  const rootSources: number[] = [];
  for (let i = 0; i < count; i++)
    if (i === 0 || attributes.treeIds[i] !== attributes.treeIds[i - 1]) rootSources.push(i);

  const limit = count * MAX_EXPANSION;
  const outFeature: number[] = [];
  const outThreshold: number[] = [];
  const outTrue: number[] = [];
  const outFlags: number[] = [];
  const weightTarget: number[] = [];
  const weightValue: number[] = [];
  const roots = new Int32Array(rootSources.length);
  const visited = new Int32Array(count).fill(-1);
  const stack: number[] = [];
  rootSources.forEach((root, rootIndex) => {
    roots[rootIndex] = outFeature.length;
    stack.length = 0;
    stack.push(root, -1);
    while (stack.length > 0) {
      const parent = stack.pop() as number;
      const node = stack.pop() as number;
      if (visited[node] === rootIndex)
        throw new NodeIssue("the nodes of a tree form a cycle or share a subtree");
      visited[node] = rootIndex;
      const position = outFeature.length;
      if (position >= limit)
        throw new NodeIssue("tree ids repeat in too many separate runs", "nodes_treeids");
      if (parent >= 0) outTrue[parent] = position;
      const nodeFlags = flags[node] as number;
      outFlags.push(nodeFlags);
      if (nodeFlags & FLAG_LEAF) {
        const weights = leafWeights.get(node) as number[];
        outFeature.push(weights.length);
        outTrue.push(weightValue.length);
        outThreshold.push(attributes.weightValues[weights[0] as number] as number);
        for (const w of weights) {
          weightTarget.push(attributes.weightTargets[w] as number);
          weightValue.push(attributes.weightValues[w] as number);
        }
      } else {
        outFeature.push(attributes.featureIds[node] as number);
        outThreshold.push(attributes.thresholds[node] as number);
        outTrue.push(-1);
        const trueNode = children(node, "true");
        const falseNode = children(node, "false");
        stack.push(trueNode, position, falseNode, -2);
      }
    }
  });
  // The false child is always the next node; only true children were recorded through `parent`.
  return {
    roots,
    feature: Int32Array.from(outFeature),
    threshold: Float64Array.from(outThreshold),
    trueChild: Int32Array.from(outTrue),
    flags: Uint8Array.from(outFlags),
    weightTarget: Int32Array.from(weightTarget),
    weightValue: Float64Array.from(weightValue),
    maxFeature,
    sameMode: mixed ? -1 : sameMode,
    hasMissingTracks,
  };
}
