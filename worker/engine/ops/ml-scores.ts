/** ONNX Runtime's ai.onnx.ml score transforms, in float32 arithmetic as ORT computes them. */

const f = Math.fround;
const PI_F = f(Math.PI);
const SQRT2_F = f(Math.SQRT2);
const ERF_A = f(0.147);

export const POST_TRANSFORMS = ["NONE", "LOGISTIC", "SOFTMAX", "SOFTMAX_ZERO", "PROBIT"] as const;
export type PostTransform = (typeof POST_TRANSFORMS)[number];

export function computeLogistic(value: number): number {
  const v = f(value);
  const e = f(Math.exp(-Math.abs(v)));
  const r = f(1 / f(1 + e));
  return v < 0 ? f(1 - r) : r;
}

function erfInv(value: number): number {
  let x = f(value);
  const sign = x < 0 ? -1 : 1;
  x = f(f(1 - x) * f(1 + x));
  const log = f(Math.log(x));
  const v = f(f(2 / f(PI_F * ERF_A)) + f(0.5 * log));
  const v2 = f(f(1 / ERF_A) * log);
  const v3 = f(-v + f(Math.sqrt(f(f(v * v) - v2))));
  return f(sign * f(Math.sqrt(v3)));
}

export function computeProbit(value: number): number {
  return f(SQRT2_F * erfInv(f(f(2 * f(value)) - 1)));
}

/** In-place softmax over values[start, start+count) in float32. */
function softmaxInPlace(values: Float32Array | Float64Array, start: number, count: number): void {
  let max = -3.4028234663852886e38;
  for (let i = 0; i < count; i++) {
    const v = f(values[start + i] as number);
    if (v > max) max = v;
  }
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const e = f(Math.exp(f(f(values[start + i] as number) - max)));
    values[start + i] = e;
    sum = f(sum + e);
  }
  for (let i = 0; i < count; i++) values[start + i] = f(f(values[start + i] as number) / sum);
}

/** ORT's SOFTMAX_ZERO: values within ±1e-7 of zero stay (scaled) zero-like and do not join the sum. */
function softmaxZeroInPlace(values: Float32Array | Float64Array, start: number, count: number): void {
  let max = -3.4028234663852886e38;
  for (let i = 0; i < count; i++) {
    const v = f(values[start + i] as number);
    if (v > max) max = v;
  }
  const expNegMax = f(Math.exp(-max));
  let sum = 0;
  const tiny = f(0.0000001);
  for (let i = 0; i < count; i++) {
    const v = f(values[start + i] as number);
    if (v > tiny || v < -tiny) {
      const e = f(Math.exp(f(v - max)));
      values[start + i] = e;
      sum = f(sum + e);
    } else values[start + i] = f(v * expNegMax);
  }
  for (let i = 0; i < count; i++) values[start + i] = f(f(values[start + i] as number) / sum);
}

/** ORT's write_scores for two or more scores: the transform applied to a row in place. */
export function transformRow(
  transform: PostTransform,
  values: Float32Array | Float64Array,
  start: number,
  count: number,
): void {
  switch (transform) {
    case "PROBIT":
      for (let i = 0; i < count; i++) values[start + i] = computeProbit(values[start + i] as number);
      return;
    case "LOGISTIC":
      for (let i = 0; i < count; i++) values[start + i] = computeLogistic(values[start + i] as number);
      return;
    case "SOFTMAX":
      softmaxInPlace(values, start, count);
      return;
    case "SOFTMAX_ZERO":
      softmaxZeroInPlace(values, start, count);
      return;
    default:
      return;
  }
}
