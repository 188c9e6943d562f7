import type { Feature, Manifest, TensorSpec } from "../contracts/manifest.ts";
import { derivedPerObject } from "../platform/derived-per-object.ts";
import type { FeatureRow } from "./feature-validation.ts";
import type { EngineTensor } from "./model-engine.ts";

type NumericArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

function numericBuffer(type: TensorSpec["type"], length: number): NumericArray {
  switch (type) {
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "int32":
      return new Int32Array(length);
    case "bool":
      return new Uint8Array(length);
    default:
      throw new Error(`not a numeric tensor type: ${type}`);
  }
}

function dimsFor(spec: TensorSpec, rows: number, columns: number): number[] {
  return spec.shape.length === 1 ? [rows] : [rows, columns];
}

/** Each ONNX input's features, once per manifest (cached manifests are reused across requests). */
const featuresByInput = derivedPerObject((features: readonly Feature[]): ReadonlyMap<string, Feature[]> => {
  const byInput = new Map<string, Feature[]>();
  for (const feature of features) {
    const own = byInput.get(feature.input);
    if (own) own.push(feature);
    else byInput.set(feature.input, [feature]);
  }
  return byInput;
});

/** Builds engine-neutral feeds from validated rows, driven only by the manifest's feature→input mapping. */
export function rowsToFeeds(
  manifest: Pick<Manifest, "features" | "onnx">,
  rows: readonly FeatureRow[],
): Record<string, EngineTensor> {
  const feeds: Record<string, EngineTensor> = {};
  for (const spec of manifest.onnx.inputs) {
    const features = featuresByInput(manifest.features).get(spec.name) ?? [];
    const columns = features.length;
    const dims = dimsFor(spec, rows.length, columns);
    if (spec.type === "string") {
      const data = new Array<string>(rows.length * columns);
      rows.forEach((row, r) => {
        for (const feature of features) {
          const value = row[feature.name] ?? feature.missing ?? "";
          data[r * columns + feature.column] = String(value);
        }
      });
      feeds[spec.name] = { type: "string", data, dims };
      continue;
    }
    const data = numericBuffer(spec.type, rows.length * columns);
    rows.forEach((row, r) => {
      for (const feature of features) {
        const value = row[feature.name] ?? feature.missing ?? Number.NaN;
        const index = r * columns + feature.column;
        if (data instanceof BigInt64Array) data[index] = BigInt(Math.trunc(Number(value)));
        else data[index] = Number(value);
      }
    });
    feeds[spec.name] = { type: spec.type, data, dims };
  }
  return feeds;
}
