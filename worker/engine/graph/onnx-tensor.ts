import type { OnnxTensorProto } from "../proto/onnx-model.ts";
import { type EngineTensor, engineTypeOf, sizeOf, type TensorData } from "../tensor.ts";

const utf8 = new TextDecoder("utf-8");

/** Why a TensorProto cannot become an engine tensor, or the tensor itself. */
type TensorConversion = { tensor: EngineTensor } | { problem: string };

function littleEndianView(raw: Uint8Array): DataView {
  return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
}

function fromRaw(type: EngineTensor["type"], raw: Uint8Array, count: number): TensorData | string {
  const view = littleEndianView(raw);
  const width = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, string: 0 }[type];
  if (width === 0) return "string tensors cannot use raw_data";
  if (raw.length !== count * width) return `raw_data holds ${raw.length} bytes, expected ${count * width}`;
  switch (type) {
    case "float32": {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case "float64": {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case "int64": {
      const out = new BigInt64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getBigInt64(i * 8, true);
      return out;
    }
    case "int32": {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case "bool":
      return Uint8Array.from(raw, (byte) => (byte ? 1 : 0));
    default:
      return "unsupported raw type";
  }
}

/** Converts an initializer or attribute tensor; refuses types and storage the engine does not carry. */
export function convertTensorProto(proto: OnnxTensorProto): TensorConversion {
  const type = engineTypeOf(proto.dataType);
  if (!type) return { problem: `tensor ${proto.name || "<unnamed>"} has ONNX data type ${proto.dataType}` };
  if (proto.external) return { problem: `tensor ${proto.name || "<unnamed>"} uses external data` };
  if (proto.segmented) return { problem: `tensor ${proto.name || "<unnamed>"} is segmented` };
  if (proto.dims.some((dim) => !Number.isSafeInteger(dim) || dim < 0))
    return { problem: `tensor ${proto.name || "<unnamed>"} has invalid dims` };
  const dims = proto.dims;
  const count = sizeOf(dims);
  if (count > 2 ** 28) return { problem: `tensor ${proto.name || "<unnamed>"} is too large` };
  let data: TensorData | string;
  if (proto.rawData && type !== "string") data = fromRaw(type, proto.rawData, count);
  else {
    switch (type) {
      case "float32":
        data = proto.floatData ?? new Float32Array(0);
        break;
      case "float64":
        data = proto.doubleData ?? new Float64Array(0);
        break;
      case "int64":
        data = proto.int64Data ?? new BigInt64Array(0);
        break;
      case "int32":
        data = Int32Array.from(proto.int32Data ?? []);
        break;
      case "bool":
        data = Uint8Array.from(proto.int32Data ?? [], (value) => (value ? 1 : 0));
        break;
      case "string":
        data = (proto.stringData ?? []).map((bytes) => utf8.decode(bytes));
        break;
    }
  }
  if (typeof data === "string") return { problem: `tensor ${proto.name || "<unnamed>"}: ${data}` };
  if (data.length !== count)
    return {
      problem: `tensor ${proto.name || "<unnamed>"} holds ${data.length} values for dims [${dims.join(", ")}]`,
    };
  return { tensor: { type, dims, data } };
}
