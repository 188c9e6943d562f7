import type { EngineTensor, EngineTensorType, TensorInfo } from "../engine/index.ts";
import { ORT_HEAP_BYTES_PER_ARTIFACT_BYTE } from "./edge-limits.ts";
import type { ModelEngine } from "./model-engine.ts";
import { createSession, ort } from "./ort-runtime.ts";

/**
 * The onnxruntime-web adapter: the only module that imports ORT, loaded with a dynamic import
 * (./ort-loader.ts) so an isolate serving only compact versions never evaluates or boots it. The lean build
 * aliases this module to ./ort-engine-absent.ts (wrangler.lean.toml `alias`).
 */
export const ortInBuild = true;

const TENSOR_TYPES = new Set<string>(["float32", "float64", "int64", "int32", "string", "bool"]);

function engineType(type: string, name: string): EngineTensorType {
  if (!TENSOR_TYPES.has(type)) throw new Error(`ONNX tensor ${name} has type ${type}, which is not served`);
  return type as EngineTensorType;
}

function toOrt(tensor: EngineTensor): ort.Tensor {
  const dims = [...tensor.dims];
  if (tensor.type === "string") return new ort.Tensor("string", tensor.data as string[], dims);
  return new ort.Tensor(tensor.type, tensor.data as Exclude<EngineTensor["data"], string[]>, dims);
}

function fromOrt(name: string, tensor: ort.Tensor): EngineTensor {
  return {
    type: engineType(tensor.type, name),
    dims: tensor.dims,
    data: tensor.data as EngineTensor["data"],
  };
}

function inputInfo(session: ort.InferenceSession): TensorInfo[] {
  return session.inputMetadata.map((meta) => ({
    name: meta.name,
    // A non-tensor input cannot be fed; the publish signature check names it.
    type: (meta.isTensor ? meta.type : "non-tensor") as EngineTensorType,
    shape: meta.isTensor ? meta.shape.map((dim) => (typeof dim === "number" ? dim : dim || null)) : [],
  }));
}

/** Creates an ORT session for the ONNX bytes (the first one in an isolate also boots the WASM backend). */
export async function openOrtEngine(model: Uint8Array): Promise<ModelEngine> {
  const session = await createSession(model);
  return {
    kind: "onnxruntime-web",
    inputs: inputInfo(session),
    inputNames: [...session.inputNames],
    outputNames: [...session.outputNames],
    budgetBytes: model.byteLength * ORT_HEAP_BYTES_PER_ARTIFACT_BYTE,
    async run(feeds, outputNames) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) ortFeeds[name] = toOrt(tensor);
      const results = await session.run(ortFeeds, [...outputNames]);
      const out: Record<string, EngineTensor> = {};
      for (const [name, tensor] of Object.entries(results)) out[name] = fromOrt(name, tensor);
      return out;
    },
    release: () => session.release(),
  };
}
