import { InvalidModelError } from "../errors.ts";
import {
  ATTRIBUTE_TYPES,
  type OnnxAttribute,
  type OnnxDim,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensorProto,
  type OnnxValueInfo,
} from "./onnx-model.ts";
import {
  BigInt64List,
  Float32List,
  Float64List,
  StringList,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
  WireReader,
} from "./wire-reader.ts";

function expectWire(reader: WireReader, actual: number, expected: number, what: string): void {
  if (actual !== expected) reader.fail(`${what} has wire type ${actual}, expected ${expected}`);
}

function decodeTensor(reader: WireReader): OnnxTensorProto {
  const tensor: OnnxTensorProto = { name: "", dataType: 0, dims: [], external: false, segmented: false };
  const dims = new Float64List();
  let floats: Float32List | undefined;
  let int32s: Float64List | undefined;
  let int64s: BigInt64List | undefined;
  let uint64s: BigInt64List | undefined;
  let doubles: Float64List | undefined;
  let strings: Uint8Array[] | undefined;
  while (!reader.done) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        dims.readVarint(reader, wire);
        break;
      case 2:
        expectWire(reader, wire, WIRE_VARINT, "TensorProto.data_type");
        tensor.dataType = reader.uint32();
        break;
      case 3:
        tensor.segmented = true;
        reader.skip(wire);
        break;
      case 4:
        floats ??= new Float32List();
        floats.read(reader, wire);
        break;
      case 5:
        int32s ??= new Float64List();
        int32s.readVarint(reader, wire);
        break;
      case 6:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "TensorProto.string_data");
        strings ??= [];
        strings.push(reader.bytesField());
        break;
      case 7:
        int64s ??= new BigInt64List();
        int64s.read(reader, wire);
        break;
      case 8:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "TensorProto.name");
        tensor.name = reader.string();
        break;
      case 9:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "TensorProto.raw_data");
        tensor.rawData = reader.bytesField();
        break;
      case 10:
        doubles ??= new Float64List();
        doubles.readDouble(reader, wire);
        break;
      case 11:
        uint64s ??= new BigInt64List();
        uint64s.read(reader, wire, true);
        break;
      case 13:
        tensor.external = true;
        reader.skip(wire);
        break;
      case 14:
        expectWire(reader, wire, WIRE_VARINT, "TensorProto.data_location");
        if (reader.uint32() === 1) tensor.external = true;
        break;
      default:
        reader.skip(wire);
    }
  }
  tensor.dims = Array.from(dims.finish());
  if (floats) tensor.floatData = floats.finish();
  if (int32s) tensor.int32Data = int32s.finish();
  if (int64s) tensor.int64Data = int64s.finish();
  if (uint64s) tensor.uint64Data = uint64s.finish();
  if (doubles) tensor.doubleData = doubles.finish();
  if (strings) tensor.stringData = strings;
  return tensor;
}

function decodeAttribute(reader: WireReader): OnnxAttribute {
  const attribute: OnnxAttribute = { name: "", type: ATTRIBUTE_TYPES.UNDEFINED, hasGraph: false };
  let floats: Float32List | undefined;
  let ints: Float64List | undefined;
  let strings: StringList | undefined;
  let tensors: OnnxTensorProto[] | undefined;
  let inferred: number = ATTRIBUTE_TYPES.UNDEFINED;
  while (!reader.done) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "AttributeProto.name");
        attribute.name = reader.string();
        break;
      case 2:
        if (wire !== 5) reader.fail("AttributeProto.f is not fixed32");
        attribute.f = reader.float32();
        inferred = ATTRIBUTE_TYPES.FLOAT;
        break;
      case 3:
        expectWire(reader, wire, WIRE_VARINT, "AttributeProto.i");
        attribute.i = reader.int64Number();
        inferred = ATTRIBUTE_TYPES.INT;
        break;
      case 4:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "AttributeProto.s");
        attribute.s = reader.bytesField();
        inferred = ATTRIBUTE_TYPES.STRING;
        break;
      case 5:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "AttributeProto.t");
        attribute.t = decodeTensor(reader.sub(reader.lengthDelimited()));
        inferred = ATTRIBUTE_TYPES.TENSOR;
        break;
      case 6:
      case 11:
        // Subgraphs are recorded, never decoded: no recursion on hostile nesting.
        attribute.hasGraph = true;
        inferred = field === 6 ? ATTRIBUTE_TYPES.GRAPH : ATTRIBUTE_TYPES.GRAPHS;
        reader.skip(wire);
        break;
      case 7:
        floats ??= new Float32List();
        floats.read(reader, wire);
        inferred = ATTRIBUTE_TYPES.FLOATS;
        break;
      case 8:
        ints ??= new Float64List();
        ints.readVarint(reader, wire);
        inferred = ATTRIBUTE_TYPES.INTS;
        break;
      case 9:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "AttributeProto.strings");
        strings ??= new StringList(reader.bytes);
        strings.read(reader);
        inferred = ATTRIBUTE_TYPES.STRINGS;
        break;
      case 10:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "AttributeProto.tensors");
        tensors ??= [];
        tensors.push(decodeTensor(reader.sub(reader.lengthDelimited())));
        inferred = ATTRIBUTE_TYPES.TENSORS;
        break;
      case 20:
        expectWire(reader, wire, WIRE_VARINT, "AttributeProto.type");
        attribute.type = reader.uint32();
        break;
      case 21:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "AttributeProto.ref_attr_name");
        attribute.refAttrName = reader.string();
        break;
      default:
        reader.skip(wire);
    }
  }
  if (floats) attribute.floats = floats.finish();
  if (ints) attribute.ints = ints.finish();
  if (strings) attribute.strings = strings;
  if (tensors) attribute.tensors = tensors;
  if (attribute.type === ATTRIBUTE_TYPES.UNDEFINED) attribute.type = inferred;
  if (attribute.type === ATTRIBUTE_TYPES.GRAPH || attribute.type === ATTRIBUTE_TYPES.GRAPHS)
    attribute.hasGraph = true;
  return attribute;
}

function decodeNode(reader: WireReader): OnnxNode {
  const node: OnnxNode = { name: "", opType: "", domain: "", inputs: [], outputs: [], attributes: [] };
  while (!reader.done) {
    const [field, wire] = reader.tag();
    switch (field) {
      case 1:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "NodeProto.input");
        node.inputs.push(reader.string());
        break;
      case 2:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "NodeProto.output");
        node.outputs.push(reader.string());
        break;
      case 3:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "NodeProto.name");
        node.name = reader.string();
        break;
      case 4:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "NodeProto.op_type");
        node.opType = reader.string();
        break;
      case 5:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "NodeProto.attribute");
        node.attributes.push(decodeAttribute(reader.sub(reader.lengthDelimited())));
        break;
      case 7:
        expectWire(reader, wire, WIRE_LENGTH_DELIMITED, "NodeProto.domain");
        node.domain = reader.string();
        break;
      default:
        reader.skip(wire);
    }
  }
  return node;
}

function decodeDim(reader: WireReader): OnnxDim {
  const dim: OnnxDim = {};
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WIRE_VARINT) dim.value = reader.int64Number();
    else if (field === 2 && wire === WIRE_LENGTH_DELIMITED) dim.param = reader.string();
    else reader.skip(wire);
  }
  return dim;
}

function decodeTensorType(reader: WireReader, info: OnnxValueInfo): void {
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WIRE_VARINT) info.elemType = reader.uint32();
    else if (field === 2 && wire === WIRE_LENGTH_DELIMITED) {
      const shape = reader.sub(reader.lengthDelimited());
      const dims: OnnxDim[] = [];
      while (!shape.done) {
        const [dimField, dimWire] = shape.tag();
        if (dimField === 1 && dimWire === WIRE_LENGTH_DELIMITED)
          dims.push(decodeDim(shape.sub(shape.lengthDelimited())));
        else shape.skip(dimWire);
      }
      info.shape = dims;
    } else reader.skip(wire);
  }
}

function decodeValueInfo(reader: WireReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: "", kind: "unknown", elemType: 0, shape: null };
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === WIRE_LENGTH_DELIMITED) info.name = reader.string();
    else if (field === 2 && wire === WIRE_LENGTH_DELIMITED) {
      const type = reader.sub(reader.lengthDelimited());
      while (!type.done) {
        const [typeField, typeWire] = type.tag();
        if (typeField === 1 && typeWire === WIRE_LENGTH_DELIMITED) {
          info.kind = "tensor";
          decodeTensorType(type.sub(type.lengthDelimited()), info);
        } else {
          if (typeField === 4) info.kind = "sequence";
          else if (typeField === 5) info.kind = "map";
          else if (typeField === 9) info.kind = "optional";
          else if (typeField === 8) info.kind = "sparse_tensor";
          type.skip(typeWire);
        }
      }
    } else reader.skip(wire);
  }
  return info;
}

function decodeGraph(reader: WireReader): OnnxGraph {
  const graph: OnnxGraph = {
    nodes: [],
    initializers: [],
    sparseInitializers: 0,
    inputs: [],
    outputs: [],
    valueInfo: [],
  };
  while (!reader.done) {
    const [field, wire] = reader.tag();
    if (wire !== WIRE_LENGTH_DELIMITED) {
      reader.skip(wire);
      continue;
    }
    switch (field) {
      case 1:
        graph.nodes.push(decodeNode(reader.sub(reader.lengthDelimited())));
        break;
      case 5:
        graph.initializers.push(decodeTensor(reader.sub(reader.lengthDelimited())));
        break;
      case 11:
        graph.inputs.push(decodeValueInfo(reader.sub(reader.lengthDelimited())));
        break;
      case 12:
        graph.outputs.push(decodeValueInfo(reader.sub(reader.lengthDelimited())));
        break;
      case 13:
        graph.valueInfo.push(decodeValueInfo(reader.sub(reader.lengthDelimited())));
        break;
      case 15:
        graph.sparseInitializers++;
        reader.skip(wire);
        break;
      default:
        reader.skip(wire);
    }
  }
  return graph;
}

/** Decodes an ONNX ModelProto; throws InvalidModelError for anything that is not one. */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new InvalidModelError("empty ONNX model");
  const reader = new WireReader(bytes);
  const model: OnnxModel = { irVersion: 0, opsets: {}, graph: emptyGraph(), functions: 0 };
  let graphSeen = false;
  try {
    while (!reader.done) {
      const [field, wire] = reader.tag();
      if (field === 1 && wire === WIRE_VARINT) model.irVersion = reader.int64Number();
      else if (field === 8 && wire === WIRE_LENGTH_DELIMITED) {
        const opset = reader.sub(reader.lengthDelimited());
        let domain = "";
        let version = 0;
        while (!opset.done) {
          const [opsetField, opsetWire] = opset.tag();
          if (opsetField === 1 && opsetWire === WIRE_LENGTH_DELIMITED) domain = opset.string();
          else if (opsetField === 2 && opsetWire === WIRE_VARINT) version = opset.int64Number();
          else opset.skip(opsetWire);
        }
        model.opsets[normalizeDomain(domain)] = version;
      } else if (field === 7 && wire === WIRE_LENGTH_DELIMITED) {
        if (graphSeen) reader.fail("two graphs in one model");
        model.graph = decodeGraph(reader.sub(reader.lengthDelimited()));
        graphSeen = true;
      } else if (field === 25 && wire === WIRE_LENGTH_DELIMITED) {
        model.functions++;
        reader.skip(wire);
      } else reader.skip(wire);
    }
  } catch (error) {
    if (error instanceof InvalidModelError) throw error;
    throw new InvalidModelError(`not an ONNX model: ${(error as Error).message}`);
  }
  if (!graphSeen) throw new InvalidModelError("not an ONNX model: no graph");
  if (model.irVersion <= 0) throw new InvalidModelError("not an ONNX model: no ir_version");
  return model;
}

export function normalizeDomain(domain: string): string {
  return domain === "" || domain === "ai.onnx" ? "ai.onnx" : domain;
}

function emptyGraph(): OnnxGraph {
  return { nodes: [], initializers: [], sparseInitializers: 0, inputs: [], outputs: [], valueInfo: [] };
}
