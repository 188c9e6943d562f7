import { InvalidModelError } from "../errors.ts";
import { NodeIssue } from "../graph/attribute-reader.ts";
import { kernelFailure, requireInput } from "../ops/kernel-support.ts";
import {
  computeLogistic,
  computeProbit,
  POST_TRANSFORMS,
  type PostTransform,
  transformRow,
} from "../ops/ml-scores.ts";
import type { CompileRequest, Kernel, KernelSpec, OpDefinition } from "../ops/op-types.ts";
import type { EngineTensor, EngineTensorType } from "../tensor.ts";
import { collectLeaves, FLAG_LEAF, type FlatTrees, validateFlatTrees } from "./tree-evaluate.ts";
import { layoutTrees, NODE_MODES } from "./tree-layout.ts";

const f = Math.fround;
// onnxruntime registers tree ensembles for float and double inputs only.
const INPUT_TYPES: readonly EngineTensorType[] = ["float32", "float64"];
const AGGREGATES = ["SUM", "AVERAGE", "MIN", "MAX"] as const;
type Aggregate = (typeof AGGREGATES)[number];

const NODE_ATTRIBUTES = [
  "nodes_falsenodeids",
  "nodes_featureids",
  "nodes_hitrates",
  "nodes_hitrates_as_tensor",
  "nodes_missing_value_tracks_true",
  "nodes_modes",
  "nodes_nodeids",
  "nodes_treeids",
  "nodes_truenodeids",
  "nodes_values",
  "nodes_values_as_tensor",
  "post_transform",
  "base_values",
  "base_values_as_tensor",
];

function doubleTensorValues(request: CompileRequest, name: string): Float64Array | undefined {
  const value = request.attributes.tensor(name);
  if (!value) return undefined;
  if (value.type !== "float64" && value.type !== "float32")
    throw new NodeIssue("must be a float tensor", name);
  return Float64Array.from(value.data as Float64Array);
}

/** A float attribute or its *_as_tensor double twin, converted to the ensemble's threshold type. */
function valuesOf(request: CompileRequest, name: string, double: boolean): Float64Array | undefined {
  const floats = request.attributes.floats(name);
  const tensorValues = doubleTensorValues(request, `${name}_as_tensor`);
  if (floats?.length && tensorValues?.length)
    throw new NodeIssue(`both ${name} and ${name}_as_tensor are set`, name);
  if (tensorValues?.length) return double ? tensorValues : tensorValues.map((value) => f(value));
  return floats ? Float64Array.from(floats) : undefined;
}

function ints(request: CompileRequest, name: string): Float64Array {
  return request.attributes.ints(name) ?? new Float64Array(0);
}

function postTransformOf(request: CompileRequest): PostTransform {
  const value = request.attributes.string("post_transform", "NONE");
  if (!(POST_TRANSFORMS as readonly string[]).includes(value))
    throw new NodeIssue(`post_transform ${value} is not supported`, "post_transform");
  return value as PostTransform;
}

interface EnsembleCompile {
  classifier: boolean;
  request: CompileRequest;
}

function compileEnsemble({ classifier, request }: EnsembleCompile) {
  const inputType = requireInput(request, 0).type;
  if (!INPUT_TYPES.includes(inputType)) throw new NodeIssue(`input type ${inputType} is not supported`);
  const double = inputType === "float64";
  const prefix = classifier ? "class" : "target";
  let outputs: number;
  let labels: (number | string)[] = [];
  let stringLabels = false;
  let aggregate: Aggregate = "SUM";
  if (classifier) {
    const labelInts = request.attributes.ints("classlabels_int64s");
    const labelStrings = request.attributes.strings("classlabels_strings");
    if (!labelInts?.length === !labelStrings?.length)
      throw new NodeIssue("exactly one of classlabels_int64s and classlabels_strings is required");
    labels = labelStrings ?? Array.from(labelInts as Float64Array);
    stringLabels = Boolean(labelStrings);
    outputs = labels.length;
    if (outputs < 2) throw new NodeIssue("a classifier needs at least two classes", "classlabels_int64s");
    const noSecondColumn = !new Set(ints(request, "class_ids")).has(1);
    if (outputs === 2 && noSecondColumn && request.attributes.string("post_transform", "NONE") === "PROBIT")
      throw new NodeIssue(
        "PROBIT on a binary classifier without class-1 weights leaves a score unwritten in onnxruntime",
        "post_transform",
      );
  } else {
    outputs = request.attributes.int("n_targets", 0);
    if (!(outputs >= 1)) throw new NodeIssue("n_targets must be at least 1", "n_targets");
    const value = request.attributes.string("aggregate_function", "SUM");
    if (!(AGGREGATES as readonly string[]).includes(value))
      throw new NodeIssue(`aggregate_function ${value} is not supported`, "aggregate_function");
    aggregate = value as Aggregate;
  }
  const rawWeights = valuesOf(request, `${prefix}_weights`, true) ?? new Float64Array(0);
  const weightValues = double ? rawWeights : rawWeights.map((value) => f(value));
  const thresholds = valuesOf(request, "nodes_values", double);
  if (!thresholds) throw new NodeIssue("nodes_values are required", "nodes_values");
  const layout = layoutTrees({
    treeIds: ints(request, "nodes_treeids"),
    nodeIds: ints(request, "nodes_nodeids"),
    featureIds: ints(request, "nodes_featureids"),
    modes: request.attributes.stringCodes("nodes_modes", NODE_MODES) ?? new Int16Array(0),
    trueIds: ints(request, "nodes_truenodeids"),
    falseIds: ints(request, "nodes_falsenodeids"),
    thresholds,
    missingTracksTrue: ints(request, "nodes_missing_value_tracks_true"),
    weightTreeIds: ints(request, `${prefix}_treeids`),
    weightNodeIds: ints(request, `${prefix}_nodeids`),
    weightTargets: ints(request, `${prefix}_ids`),
    weightValues,
    outputs,
  });
  const baseValues = valuesOf(request, "base_values", double) ?? new Float64Array(0);
  const classIds = new Set(ints(request, "class_ids"));
  const weightsAllPositive = rawWeights.every((value) => !(value < 0));
  const FloatArray = double ? Float64Array : Float32Array;
  const arrays = {
    roots: layout.roots,
    feature: layout.feature,
    threshold: FloatArray.from(layout.threshold),
    trueChild: layout.trueChild,
    flags: layout.flags,
    weightTarget: layout.weightTarget,
    weightValue: FloatArray.from(layout.weightValue),
    baseValues: FloatArray.from(baseValues),
  };
  return {
    outputs: classifier
      ? ([stringLabels ? "string" : "int64", "float32"] as EngineTensorType[])
      : (["float32"] as EngineTensorType[]),
    arrays,
    treeNodes: ints(request, "nodes_treeids").length,
    params: {
      classifier,
      double,
      outputs,
      aggregate,
      transform: postTransformOf(request),
      labels,
      stringLabels,
      binaryCase: classifier && outputs === 2 && classIds.size === 1,
      weightsAllPositive,
      maxFeature: layout.maxFeature,
      sameMode: layout.sameMode,
    },
  };
}

/** Whether every leaf of the layout carries exactly one weight (a leaf's weight count sits in `feature`). */
function everyLeafHasOneWeight(trees: FlatTrees, weightTarget: Int32Array): boolean {
  if (weightTarget.length === 0) return false;
  for (let i = 0; i < trees.flags.length; i++)
    if ((trees.flags[i] as number) & FLAG_LEAF && trees.feature[i] !== 1) return false;
  return true;
}

/** The one target every weight adds to, or -1 when they differ. */
function sharedTarget(weightTarget: Int32Array): number {
  const first = weightTarget[0] as number;
  for (let i = 1; i < weightTarget.length; i++) if (weightTarget[i] !== first) return -1;
  return first;
}

/** Per-row scores with ORT's ScoreValue semantics: a score without `has` reads as 0 when written out. */
interface Scores {
  score: Float32Array | Float64Array;
  has: Uint8Array;
  length: number;
}

function effective(scores: Scores, index: number): number {
  return scores.has[index] ? (scores.score[index] as number) : 0;
}

/** ORT's write_scores: the transform over the row's scores, or the binary expansions for one score. */
function writeScores(
  scores: Scores,
  transform: PostTransform,
  out: Float32Array,
  at: number,
  addSecondClass: number,
): void {
  const n = scores.length;
  if (n >= 2) {
    const row = new Float64Array(n);
    for (let i = 0; i < n; i++) row[i] = effective(scores, i);
    transformRow(transform, row, 0, n);
    for (let i = 0; i < n; i++) out[at + i] = row[i] as number;
    return;
  }
  if (n !== 1) return;
  const value = effective(scores, 0);
  if (transform === "PROBIT") {
    out[at] = computeProbit(value);
    return;
  }
  switch (addSecondClass) {
    case 0:
    case 1:
      out[at] = 1 - value;
      out[at + 1] = value;
      return;
    case 2:
    case 3:
      if (transform === "LOGISTIC") {
        out[at] = computeLogistic(-value);
        out[at + 1] = computeLogistic(value);
      } else {
        out[at] = -value;
        out[at + 1] = value;
      }
      return;
    default:
      out[at] = value;
  }
}

function makeKernel(spec: KernelSpec): Kernel {
  const params = spec.params;
  const classifier = params.classifier as boolean;
  const double = params.double as boolean;
  const outputs = params.outputs as number;
  const aggregate = params.aggregate as Aggregate;
  const transform = params.transform as PostTransform;
  const labels = params.labels as (number | string)[];
  const stringLabels = params.stringLabels as boolean;
  const binaryCase = params.binaryCase as boolean;
  const weightsAllPositive = params.weightsAllPositive as boolean;
  const maxFeature = params.maxFeature as number;
  const inputType = spec.inputTypes[0] as EngineTensorType;
  const trees: FlatTrees = {
    roots: spec.arrays.roots as Int32Array,
    feature: spec.arrays.feature as Int32Array,
    threshold: spec.arrays.threshold as Float32Array | Float64Array,
    trueChild: spec.arrays.trueChild as Int32Array,
    flags: spec.arrays.flags as Uint8Array,
    sameMode: params.sameMode as number,
  };
  const weightTarget = spec.arrays.weightTarget as Int32Array;
  const weightValue = spec.arrays.weightValue as Float32Array | Float64Array;
  const baseValues = spec.arrays.baseValues as Float32Array | Float64Array;
  const FloatArray = double ? Float64Array : Float32Array;
  if (
    !(
      trees.threshold instanceof FloatArray &&
      weightValue instanceof FloatArray &&
      baseValues instanceof FloatArray
    )
  )
    throw new InvalidModelError("tree ensemble arrays have the wrong element type");
  if (weightTarget.length !== weightValue.length)
    throw new InvalidModelError("tree weights differ in length");
  const damage = validateFlatTrees(trees, weightValue.length, outputs, weightTarget, maxFeature);
  if (damage) throw new InvalidModelError(`tree ensemble is damaged: ${damage}`);
  const roots = trees.roots;
  const treeCount = roots.length;
  const collect = collectLeaves;
  const summing = aggregate === "SUM" || aggregate === "AVERAGE";
  const leaves = new Int32Array(treeCount);
  const round = double ? (value: number) => value : f;
  const origin = baseValues.length === 1 ? (baseValues[0] as number) : 0;
  const useBaseValues = baseValues.length === outputs;
  const classLabels = stringLabels ? labels.map((_, index) => index) : (labels as number[]);

  /** ORT's _set_score_binary: the label index and which expansion write_scores applies. */
  const binaryLabel = (scores: Scores): [number, number] => {
    const hasSecond = scores.length === 2 && scores.has[1];
    const score0 = scores.score[0] as number;
    const score1 = hasSecond ? (scores.score[1] as number) : 0;
    const positiveWeight = hasSecond ? score1 : scores.has[0] ? score0 : 0;
    if (binaryCase) {
      if (weightsAllPositive)
        return positiveWeight > 0.5 ? [classLabels[1] as number, 0] : [classLabels[0] as number, 1];
      return positiveWeight > 0 ? [classLabels[1] as number, 2] : [classLabels[0] as number, 3];
    }
    return [positiveWeight > 0 ? 1 : 0, -1];
  };

  const singleOutput = (x: ArrayLike<number>, base: number): number => {
    let score = 0;
    let has = false;
    collect(trees, x, base, leaves);
    const values = trees.threshold;
    if (summing && !double)
      for (let t = 0; t < treeCount; t++) score = f(score + (values[leaves[t] as number] as number));
    else if (summing) for (let t = 0; t < treeCount; t++) score += values[leaves[t] as number] as number;
    else
      for (let t = 0; t < treeCount; t++) {
        const weight = values[leaves[t] as number] as number;
        if (aggregate === "MIN") {
          if (!has || weight < score) score = weight;
          has = true;
        } else {
          if (!has || weight > score) score = weight;
          has = true;
        }
      }
    if (aggregate === "AVERAGE") score = round(round(score / treeCount) + origin);
    else if (aggregate === "SUM") score = round(score + origin);
    else score = has ? round(score + origin) : origin;
    return transform === "PROBIT" ? computeProbit(score) : score;
  };

  // Every leaf adds one weight to the same target (binary GBMs, single-output boosters): the sum is kept in
  // a local, rounded after each addition as the typed-array accumulator below would round it.
  const singleTarget =
    summing && everyLeafHasOneWeight(trees, weightTarget) ? sharedTarget(weightTarget) : -1;

  const accumulate = (scores: Scores, x: ArrayLike<number>, base: number): void => {
    scores.score.fill(0);
    scores.has.fill(0);
    scores.length = outputs;
    collect(trees, x, base, leaves);
    if (singleTarget >= 0) {
      if (treeCount === 0) return;
      let sum = 0;
      for (let t = 0; t < treeCount; t++)
        sum = round(sum + (weightValue[trees.trueChild[leaves[t] as number] as number] as number));
      scores.score[singleTarget] = sum;
      scores.has[singleTarget] = 1;
      return;
    }
    for (let t = 0; t < treeCount; t++) {
      const leaf = leaves[t] as number;
      const first = trees.trueChild[leaf] as number;
      const end = first + (trees.feature[leaf] as number);
      for (let w = first; w < end; w++) {
        const target = weightTarget[w] as number;
        const value = weightValue[w] as number;
        if (aggregate === "SUM" || aggregate === "AVERAGE")
          scores.score[target] = round((scores.score[target] as number) + value);
        else if (aggregate === "MIN") {
          if (!scores.has[target] || value < (scores.score[target] as number)) scores.score[target] = value;
        } else if (!scores.has[target] || value > (scores.score[target] as number))
          scores.score[target] = value;
        scores.has[target] = 1;
      }
    }
  };

  const finishRegression = (scores: Scores, out: Float32Array, at: number): void => {
    for (let i = 0; i < outputs; i++) {
      const base = useBaseValues ? (baseValues[i] as number) : 0;
      const score = scores.score[i] as number;
      if (aggregate === "SUM") scores.score[i] = useBaseValues ? round(score + base) : score;
      else if (aggregate === "AVERAGE")
        scores.score[i] = useBaseValues ? round(round(score / treeCount) + base) : round(score / treeCount);
      else scores.score[i] = round(base + (scores.has[i] ? score : 0));
    }
    writeScores(scores, transform, out, at, -1);
  };

  const finishClassification = (scores: Scores, out: Float32Array, at: number): number => {
    if (outputs > 2) {
      for (let k = 0; k < baseValues.length && k < outputs; k++) {
        if (!scores.has[k]) {
          scores.has[k] = 1;
          scores.score[k] = baseValues[k] as number;
        } else scores.score[k] = round((scores.score[k] as number) + (baseValues[k] as number));
      }
      let best = -1;
      let bestScore = 0;
      for (let k = 0; k < outputs; k++)
        if (scores.has[k] && (best === -1 || (scores.score[k] as number) > bestScore)) {
          best = k;
          bestScore = scores.score[k] as number;
        }
      writeScores(scores, transform, out, at, -1);
      return classLabels[best < 0 ? 0 : best] as number;
    }
    let addSecondClass = -1;
    if (baseValues.length === 2) {
      if (scores.has[1]) {
        scores.score[1] = round((baseValues[1] as number) + (scores.score[0] as number));
        scores.score[0] = -(scores.score[1] as number);
        scores.has[1] = 1;
      } else {
        scores.score[1] = round((scores.score[1] as number) + (baseValues[1] as number));
        scores.score[0] = round((scores.score[0] as number) + (baseValues[0] as number));
      }
    } else if (baseValues.length === 1) {
      scores.score[0] = round((scores.score[0] as number) + (baseValues[0] as number));
      if (!scores.has[1]) scores.length = 1;
    } else if (baseValues.length === 0) {
      addSecondClass = 3;
      if (!scores.has[1]) scores.length = 1;
    }
    const [label, expansion] = binaryLabel(scores);
    if (binaryCase) addSecondClass = expansion;
    writeScores(scores, transform, out, at, addSecondClass);
    return label;
  };

  return ([input]) => {
    const x = input as EngineTensor;
    if (x.dims.length === 0 || x.dims.length > 2) kernelFailure("tree ensembles take 1-D or 2-D input");
    const rows = x.dims.length === 1 ? 1 : (x.dims[0] as number);
    const stride = (x.dims.length === 1 ? x.dims[0] : x.dims[1]) as number;
    if (maxFeature >= stride)
      kernelFailure(`the trees read feature ${maxFeature} but the input has ${stride} features`);
    const values: ArrayLike<number> =
      inputType === "int64" || inputType === "int32"
        ? Float32Array.from(x.data as ArrayLike<number | bigint>, (value) => Number(value))
        : (x.data as Float32Array | Float64Array);
    const scores: Scores = {
      score: double ? new Float64Array(outputs) : new Float32Array(outputs),
      has: new Uint8Array(outputs),
      length: outputs,
    };
    if (!classifier) {
      const out = new Float32Array(rows * outputs);
      if (outputs === 1) for (let r = 0; r < rows; r++) out[r] = singleOutput(values, r * stride);
      else
        for (let r = 0; r < rows; r++) {
          accumulate(scores, values, r * stride);
          finishRegression(scores, out, r * outputs);
        }
      return [{ type: "float32", dims: [rows, outputs], data: out }];
    }
    const out = new Float32Array(rows * outputs);
    const labelIndex = new Array<number>(rows);
    for (let r = 0; r < rows; r++) {
      accumulate(scores, values, r * stride);
      labelIndex[r] = finishClassification(scores, out, r * outputs);
    }
    const label: EngineTensor = stringLabels
      ? { type: "string", dims: [rows], data: labelIndex.map((index) => String(labels[index])) }
      : { type: "int64", dims: [rows], data: BigInt64Array.from(labelIndex, (value) => BigInt(value)) };
    return [label, { type: "float32", dims: [rows, outputs], data: out }];
  };
}

function ensembleOp(op: string, classifier: boolean, extra: readonly string[]): OpDefinition {
  return {
    domain: "ai.onnx.ml",
    op,
    since: 1,
    until: 5,
    attributes: [...NODE_ATTRIBUTES, ...extra],
    inputs: { min: 1, max: 1 },
    outputs: classifier ? { min: 1, max: 2 } : { min: 1, max: 1 },
    foldable: false,
    compile: (request) => compileEnsemble({ classifier, request }),
    kernel: makeKernel,
  };
}

export const treeEnsembleOperators: OpDefinition[] = [
  ensembleOp("TreeEnsembleRegressor", false, [
    "aggregate_function",
    "n_targets",
    "target_ids",
    "target_nodeids",
    "target_treeids",
    "target_weights",
    "target_weights_as_tensor",
  ]),
  ensembleOp("TreeEnsembleClassifier", true, [
    "class_ids",
    "class_nodeids",
    "class_treeids",
    "class_weights",
    "class_weights_as_tensor",
    "classlabels_int64s",
    "classlabels_strings",
  ]),
];
