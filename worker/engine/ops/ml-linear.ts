import { NodeIssue } from "../graph/attribute-reader.ts";
import type { EngineTensor, EngineTensorType } from "../tensor.ts";
import { kernelFailure, requireInput, rowsAndColumns } from "./kernel-support.ts";
import { POST_TRANSFORMS, type PostTransform, transformRow } from "./ml-scores.ts";
import type { CompileRequest, Kernel, OpDefinition } from "./op-types.ts";

const INPUT_TYPES: readonly EngineTensorType[] = ["float32", "float64", "int64", "int32"];

function postTransform(request: CompileRequest): PostTransform {
  const value = request.attributes.string("post_transform", "NONE");
  if (!(POST_TRANSFORMS as readonly string[]).includes(value))
    throw new NodeIssue(`post_transform ${value} is not supported`, "post_transform");
  return value as PostTransform;
}

/** Input converted to float32 as ORT does before its float GEMM. */
function inputAsFloat32(x: EngineTensor): Float32Array {
  if (x.data instanceof Float32Array) return x.data;
  const data = x.data as ArrayLike<number | bigint>;
  return Float32Array.from({ length: data.length }, (_, i) => Number(data[i]));
}

/**
 * scores[r, t] = x[r, :] · coefficients[t, :] + intercepts[t] as ORT's float GEMM computes it:
 * a float32 accumulator fed by fused multiply-adds in feature order, the intercept added last.
 * (A float32 product of two float32 values is exact in double, so one rounding per step matches an FMA.)
 */
const f = Math.fround;

/** Which horizontal reduction MLAS's one-row kernel applies to output column `t` of `n` (blocks of 4, then 2, then 1). */
function reductionFor(t: number, n: number): 4 | 2 | 1 {
  const fours = n - (n % 4);
  if (t < fours) return 4;
  return n - fours >= 2 && t < fours + 2 ? 2 : 1;
}

/**
 * One row (M = 1) as MLAS's AVX kernel for a transposed B computes it: eight float32 lanes of separately rounded
 * products and sums over K, a horizontal reduction whose order depends on the column's block, then the intercept.
 */
function dotSingleRow(
  x: Float32Array,
  weights: Float32Array,
  offset: number,
  features: number,
  reduction: 4 | 2 | 1,
  intercept: number,
): number {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let a4 = 0;
  let a5 = 0;
  let a6 = 0;
  let a7 = 0;
  for (let k = 0; k < features; k += 8) {
    const w = offset + k;
    a0 = f(a0 + f((x[k] as number) * (weights[w] as number)));
    if (k + 1 < features) a1 = f(a1 + f((x[k + 1] as number) * (weights[w + 1] as number)));
    if (k + 2 < features) a2 = f(a2 + f((x[k + 2] as number) * (weights[w + 2] as number)));
    if (k + 3 < features) a3 = f(a3 + f((x[k + 3] as number) * (weights[w + 3] as number)));
    if (k + 4 < features) a4 = f(a4 + f((x[k + 4] as number) * (weights[w + 4] as number)));
    if (k + 5 < features) a5 = f(a5 + f((x[k + 5] as number) * (weights[w + 5] as number)));
    if (k + 6 < features) a6 = f(a6 + f((x[k + 6] as number) * (weights[w + 6] as number)));
    if (k + 7 < features) a7 = f(a7 + f((x[k + 7] as number) * (weights[w + 7] as number)));
  }
  let sum: number;
  if (reduction === 4) sum = f(f(f(f(a0 + a1) + a2) + a3) + f(f(f(a4 + a5) + a6) + a7));
  else if (reduction === 2) sum = f(f(f(a0 + a2) + f(a4 + a6)) + f(f(a1 + a3) + f(a5 + a7)));
  else sum = f(f(f(a0 + a1) + f(a2 + a3)) + f(f(a4 + a5) + f(a6 + a7)));
  return f(sum + intercept);
}

/** The K slice of MLAS's SGEMM when N (classes/targets) is small: 128 doubled three times. */
const GEMM_STRIDE_K = 1024;

function linearScores(
  x: Float32Array,
  rows: number,
  features: number,
  coefficients: Float32Array,
  intercepts: Float32Array | null,
  targets: number,
): Float32Array {
  const scores = new Float32Array(rows * targets);
  if (rows === 1) {
    for (let t = 0; t < targets; t++)
      scores[t] = dotSingleRow(
        x,
        coefficients,
        t * features,
        features,
        reductionFor(t, targets),
        intercepts?.[t] ?? 0,
      );
    return scores;
  }
  for (let r = 0; r < rows; r++) {
    const base = r * features;
    for (let t = 0; t < targets; t++) {
      const weights = t * features;
      // MLAS walks K in slices of GEMM_STRIDE_K and adds each slice's sum to the output (which starts at the intercept).
      let total = intercepts ? (intercepts[t] as number) : 0;
      for (let start = 0; start < features || start === 0; start += GEMM_STRIDE_K) {
        const end = Math.min(features, start + GEMM_STRIDE_K);
        let sum = 0;
        for (let k = start; k < end; k++)
          sum = Math.fround(sum + (x[base + k] as number) * (coefficients[weights + k] as number));
        total = intercepts || start > 0 ? Math.fround(total + sum) : sum;
      }
      scores[r * targets + t] = total;
    }
  }
  return scores;
}

const linearClassifier: OpDefinition = {
  domain: "ai.onnx.ml",
  op: "LinearClassifier",
  since: 1,
  until: 5,
  attributes: [
    "coefficients",
    "intercepts",
    "classlabels_ints",
    "classlabels_strings",
    "multi_class",
    "post_transform",
  ],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 2 },
  compile(request) {
    const type = requireInput(request, 0).type;
    if (!INPUT_TYPES.includes(type)) throw new NodeIssue(`input type ${type} is not supported`);
    const coefficients = request.attributes.floats("coefficients");
    if (!coefficients?.length) throw new NodeIssue("coefficients are required", "coefficients");
    const intercepts = request.attributes.floats("intercepts");
    if (!intercepts?.length) throw new NodeIssue("intercepts are required", "intercepts");
    const ints = request.attributes.ints("classlabels_ints");
    const strings = request.attributes.strings("classlabels_strings");
    if (!ints?.length === !strings?.length)
      throw new NodeIssue("exactly one of classlabels_ints and classlabels_strings is required");
    const labels = ints ? Array.from(ints) : (strings as string[]);
    const classCount = intercepts.length;
    if (coefficients.length % classCount !== 0)
      throw new NodeIssue("coefficients are not a multiple of the class count", "coefficients");
    const transform = postTransform(request);
    const addSecondClass = classCount === 1 && labels.length === 2;
    if (classCount > 1 && labels.length < classCount)
      throw new NodeIssue(
        "fewer class labels than classes",
        ints ? "classlabels_ints" : "classlabels_strings",
      );
    if (classCount === 1 && transform === "PROBIT")
      throw new NodeIssue("PROBIT with one class", "post_transform");
    return {
      outputs: [strings ? "string" : "int64", "float32"],
      arrays: { coefficients, intercepts },
      params: { labels, strings: Boolean(strings), transform, addSecondClass },
    };
  },
  kernel(spec): Kernel {
    const coefficients = spec.arrays.coefficients as Float32Array;
    const intercepts = spec.arrays.intercepts as Float32Array;
    const labels = spec.params.labels as (number | string)[];
    const usesStrings = spec.params.strings as boolean;
    const transform = spec.params.transform as PostTransform;
    const addSecondClass = spec.params.addSecondClass as boolean;
    const classCount = intercepts.length;
    const outputClasses = addSecondClass ? 2 : classCount;
    return ([input]) => {
      const x = input as EngineTensor;
      const [rows, features] = rowsAndColumns(x, "LinearClassifier");
      if (features * classCount !== coefficients.length)
        kernelFailure(
          `LinearClassifier: ${features} features do not match ${coefficients.length} coefficients`,
        );
      const raw = linearScores(inputAsFloat32(x), rows, features, coefficients, intercepts, classCount);
      const labelOut: BigInt64Array | string[] = usesStrings
        ? new Array<string>(rows)
        : new BigInt64Array(rows);
      for (let r = 0; r < rows; r++) {
        let picked: number | string;
        if (classCount === 1) {
          const positive = (raw[r] as number) > 0;
          if (labels.length === 2) picked = labels[positive ? 1 : 0] as number | string;
          else picked = usesStrings ? (positive ? "1" : "0") : positive ? 1 : 0;
        } else {
          let best = 0;
          let bestScore = raw[r * classCount] as number;
          for (let c = 1; c < classCount; c++) {
            const score = raw[r * classCount + c] as number;
            if (score > bestScore) {
              bestScore = score;
              best = c;
            }
          }
          picked = labels[best] as number | string;
        }
        if (usesStrings) (labelOut as string[])[r] = String(picked);
        else (labelOut as BigInt64Array)[r] = BigInt(picked as number);
      }
      let scores = raw;
      if (addSecondClass) {
        scores = new Float32Array(rows * 2);
        for (let r = 0; r < rows; r++) {
          const score = raw[r] as number;
          scores[r * 2] = 1 - score;
          scores[r * 2 + 1] = score;
        }
      } else if (classCount > 1)
        for (let r = 0; r < rows; r++) transformRow(transform, scores, r * classCount, classCount);
      return [
        { type: usesStrings ? "string" : "int64", dims: [rows], data: labelOut },
        { type: "float32", dims: [rows, outputClasses], data: scores },
      ];
    };
  },
};

const linearRegressor: OpDefinition = {
  domain: "ai.onnx.ml",
  op: "LinearRegressor",
  since: 1,
  until: 5,
  attributes: ["coefficients", "intercepts", "targets", "post_transform"],
  inputs: { min: 1, max: 1 },
  outputs: { min: 1, max: 1 },
  compile(request) {
    const type = requireInput(request, 0).type;
    if (!INPUT_TYPES.includes(type)) throw new NodeIssue(`input type ${type} is not supported`);
    const coefficients = request.attributes.floats("coefficients");
    if (!coefficients?.length) throw new NodeIssue("coefficients are required", "coefficients");
    const targets = request.attributes.int("targets", 1);
    if (!(targets >= 1) || coefficients.length % targets !== 0)
      throw new NodeIssue("coefficients are not a multiple of targets", "targets");
    const intercepts = request.attributes.floats("intercepts") ?? new Float32Array(0);
    const transform = postTransform(request);
    if (targets === 1 && transform !== "NONE" && transform !== "PROBIT")
      throw new NodeIssue(`${transform} with one target`, "post_transform");
    return {
      outputs: ["float32"],
      arrays: { coefficients, intercepts },
      params: { targets, transform },
    };
  },
  kernel(spec): Kernel {
    const coefficients = spec.arrays.coefficients as Float32Array;
    const intercepts = spec.arrays.intercepts as Float32Array;
    const targets = spec.params.targets as number;
    const transform = spec.params.transform as PostTransform;
    const useIntercepts = intercepts.length === targets;
    return ([input]) => {
      const x = input as EngineTensor;
      const [rows, features] = rowsAndColumns(x, "LinearRegressor");
      if (features * targets !== coefficients.length)
        kernelFailure(
          `LinearRegressor: ${features} features do not match ${coefficients.length} coefficients`,
        );
      const scores = linearScores(
        inputAsFloat32(x),
        rows,
        features,
        coefficients,
        useIntercepts ? intercepts : null,
        targets,
      );
      if (transform !== "NONE")
        for (let r = 0; r < rows; r++) transformRow(transform, scores, r * targets, targets);
      return [{ type: "float32", dims: [rows, targets], data: scores }];
    };
  },
};

export const linearOperators: OpDefinition[] = [linearClassifier, linearRegressor];
