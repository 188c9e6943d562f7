import { describe, expect, it } from "vitest";
import engineDoc from "../docs/engine.md?raw";
import type { Manifest } from "../worker/contracts/manifest.ts";
import {
  COMPACT_FORMAT_VERSION,
  compiledFormatVersion,
  compileOnnx,
  EngineInputError,
  type EngineTensor,
  InvalidModelError,
  inspectOnnx,
  openCompiled,
  UnsafeGraphError,
  UnsupportedGraphError,
} from "../worker/engine/index.ts";
import { OPERATORS } from "../worker/engine/ops/registry.ts";
import { taskOf } from "../worker/tasks/index.ts";
import { type ModelSpec, writeOnnxModel } from "./support/onnx-writer.ts";
import { shippedVersions } from "./support/shipped-models.ts";

const fixtures = import.meta.glob<{ default: ArrayBuffer }>("./fixtures/onnx/*.onnx", { eager: true });

function fixture(name: string): Uint8Array {
  const module = fixtures[`./fixtures/onnx/${name}.onnx`];
  if (!module) throw new Error(`no fixture ${name}`);
  return new Uint8Array(module.default);
}

/** One row of manifest inputs as engine feeds, column by column as the Worker maps them. */
function exampleFeeds(manifest: Manifest, inputs: Record<string, unknown>): Record<string, EngineTensor> {
  const feeds: Record<string, EngineTensor> = {};
  for (const spec of manifest.onnx.inputs) {
    const features = manifest.features.filter((feature) => feature.input === spec.name);
    const dims = spec.shape.length === 1 ? [1] : [1, features.length];
    const row = new Array<unknown>(features.length);
    for (const feature of features) row[feature.column] = inputs[feature.name] ?? feature.missing;
    if (spec.type === "string")
      feeds[spec.name] = { type: "string", dims, data: row.map((value) => String(value ?? "")) };
    else if (spec.type === "int64")
      feeds[spec.name] = {
        type: "int64",
        dims,
        data: BigInt64Array.from(row, (value) => BigInt(Math.trunc(Number(value)))),
      };
    else if (spec.type === "float64")
      feeds[spec.name] = { type: "float64", dims, data: Float64Array.from(row, Number) };
    else
      feeds[spec.name] = {
        type: "float32",
        dims,
        data: Float32Array.from(row, (value) => Number(value ?? Number.NaN)),
      };
  }
  return feeds;
}

/** Byte equality without deep-equality machinery (compiled forests are megabytes). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

describe("shipped versions run on the compact engine", () => {
  it.each(
    shippedVersions.map(
      (version) => [`${version.manifest.model}/${version.manifest.version}`, version] as const,
    ),
  )("%s compiles, opens and reproduces its manifest examples", (_name, { manifest, bytes }) => {
    const inspection = inspectOnnx(bytes);
    expect(inspection.unsupported).toEqual([]);
    expect(inspection.valueDependentMemory).toEqual([]);
    const compiled = compileOnnx(bytes);
    expect(compiledFormatVersion(compiled)).toBe(COMPACT_FORMAT_VERSION);
    expect(sameBytes(compileOnnx(bytes), compiled)).toBe(true); // deterministic
    const session = openCompiled(compiled);
    expect(session.inputs.map((input) => input.name).sort()).toEqual(
      manifest.onnx.inputs.map((input) => input.name).sort(),
    );
    expect(session.treeNodes).toBe(inspection.treeNodes);
    if (session.treeNodes > 10_000) expect(session.retainedBytes / session.treeNodes).toBeLessThanOrEqual(32);
    for (const example of manifest.examples) {
      const outputs = session.run(exampleFeeds(manifest, example.inputs), [manifest.output.name]);
      const tensor = outputs[manifest.output.name] as EngineTensor;
      const scores = { data: tensor.data as ArrayLike<number>, dims: tensor.dims };
      const [prediction] = taskOf(manifest).readPredictions(manifest, scores, 0.9);
      expect(Math.abs((prediction?.raw ?? Number.NaN) - example.expected.output)).toBeLessThanOrEqual(1e-5);
      if (example.expected.label !== undefined) {
        expect(String(prediction?.label)).toBe(String(example.expected.label));
      }
    }
  });
});

const tinyForest = (
  packed: boolean,
  modes = ["BRANCH_LEQ", "LEAF", "LEAF"],
  tracks = [0, 0, 0],
): ModelSpec => ({
  packed,
  opsets: { "": 17, "ai.onnx.ml": 3 },
  inputs: [{ name: "x", elemType: 1, dims: ["N", 2] }],
  outputs: [{ name: "y", elemType: 1, dims: ["N", 1] }],
  nodes: [
    {
      op: "TreeEnsembleRegressor",
      domain: "ai.onnx.ml",
      inputs: ["x"],
      outputs: ["y"],
      attributes: {
        n_targets: { int: 1 },
        nodes_treeids: { ints: [0, 0, 0] },
        nodes_nodeids: { ints: [0, 1, 2] },
        nodes_featureids: { ints: [1, 0, 0] },
        nodes_modes: { strings: modes },
        nodes_values: { floats: [0.1, 0, 0] },
        nodes_truenodeids: { ints: [1, 0, 0] },
        nodes_falsenodeids: { ints: [2, 0, 0] },
        nodes_missing_value_tracks_true: { ints: tracks },
        target_ids: { ints: [0, 0] },
        target_nodeids: { ints: [1, 2] },
        target_treeids: { ints: [0, 0] },
        target_weights: { floats: [-1.5, 2.25] },
        base_values: { floats: [0.5] },
      },
    },
  ],
});

function runForest(spec: ModelSpec, second: number[]): number[] {
  const session = openCompiled(compileOnnx(writeOnnxModel(spec)));
  const data = Float32Array.from(second.flatMap((value) => [7, value]));
  const result = session.run({ x: { type: "float32", dims: [second.length, 2], data } }).y as EngineTensor;
  return Array.from(result.data as Float32Array);
}

describe("protobuf reader and tree semantics", () => {
  it("reads packed and unpacked repeated fields alike", () => {
    const unpacked = writeOnnxModel(tinyForest(false));
    const packed = writeOnnxModel(tinyForest(true));
    expect(unpacked.length).toBeGreaterThan(packed.length);
    expect(sameBytes(compileOnnx(unpacked), compileOnnx(packed))).toBe(true);
  });

  it("compares in float32 like onnxruntime: a float32 input equal to the float32 threshold goes left", () => {
    // 0.1 as float32 is 0.10000000149...; compared in double against 0.1 it would go right.
    expect(runForest(tinyForest(true), [Math.fround(0.1), 0.1000001, -3])).toEqual([-1, 2.75, -1]);
  });

  it("follows every node mode and the missing-value track", () => {
    const cases: [string, number[]][] = [
      ["BRANCH_LT", [-1, 2.75, 2.75]],
      ["BRANCH_GTE", [2.75, -1, -1]],
      ["BRANCH_GT", [2.75, 2.75, -1]],
      ["BRANCH_EQ", [2.75, -1, 2.75]],
      ["BRANCH_NEQ", [-1, 2.75, -1]],
    ];
    for (const [mode, expected] of cases)
      expect(runForest(tinyForest(true, [mode, "LEAF", "LEAF"]), [0.05, Math.fround(0.1), 0.2])).toEqual(
        expected,
      );
    expect(runForest(tinyForest(true), [Number.NaN])).toEqual([2.75]);
    expect(runForest(tinyForest(true, undefined, [1, 0, 0]), [Number.NaN])).toEqual([-1]);
  });

  it("refuses malformed bytes with InvalidModelError", () => {
    const bytes = writeOnnxModel(tinyForest(true));
    expect(() => inspectOnnx(bytes.subarray(0, bytes.length - 7))).toThrow(InvalidModelError);
    expect(() => compileOnnx(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]))).toThrow(
      InvalidModelError,
    );
    expect(() => compileOnnx(new TextEncoder().encode("not an onnx model at all"))).toThrow(
      InvalidModelError,
    );
    expect(() => compileOnnx(new Uint8Array(0))).toThrow(InvalidModelError);
  });

  it("refuses a tree whose nodes form a cycle", () => {
    const spec = tinyForest(true);
    const attributes = spec.nodes[0]?.attributes ?? {};
    attributes.nodes_modes = { strings: ["BRANCH_LEQ", "BRANCH_LEQ", "LEAF"] };
    attributes.nodes_truenodeids = { ints: [1, 0, 0] };
    attributes.nodes_falsenodeids = { ints: [2, 2, 0] };
    attributes.target_nodeids = { ints: [2, 2] };
    expect(() => compileOnnx(writeOnnxModel(spec))).toThrow(UnsupportedGraphError);
  });
});

describe("compiled artifact integrity", () => {
  const shipped =
    shippedVersions.find((version) => version.manifest.version === "v4_xgboost") ?? shippedVersions[0];
  if (!shipped) throw new Error("no shipped versions");
  const compiled = compileOnnx(shipped.bytes);

  it("refuses a truncated buffer", () => {
    expect(() => openCompiled(compiled.subarray(0, compiled.length - 8))).toThrow(InvalidModelError);
    expect(() => openCompiled(compiled.subarray(0, 10))).toThrow(InvalidModelError);
  });

  it("refuses a damaged header and bad magic", () => {
    const damaged = compiled.slice();
    damaged[40] = (damaged[40] as number) ^ 0x20;
    expect(() => openCompiled(damaged)).toThrow(InvalidModelError);
    const foreign = compiled.slice();
    foreign[0] = 0x58;
    expect(compiledFormatVersion(foreign)).toBeNull();
    expect(() => openCompiled(foreign)).toThrow(InvalidModelError);
  });

  it("refuses another format version, which compiledFormatVersion reports", () => {
    const other = compiled.slice();
    new DataView(other.buffer).setUint32(8, COMPACT_FORMAT_VERSION + 1, true);
    expect(compiledFormatVersion(other)).toBe(COMPACT_FORMAT_VERSION + 1);
    expect(() => openCompiled(other)).toThrow(/format version/);
    expect(() => openCompiled(other)).toThrow(InvalidModelError);
  });

  it("refuses tree arrays whose child pointers would loop", () => {
    const view = new DataView(compiled.buffer, compiled.byteOffset);
    const header = JSON.parse(new TextDecoder().decode(compiled.subarray(24, 24 + view.getUint32(12, true))));
    const step = header.steps.find((candidate: { op: string }) =>
      candidate.op.endsWith("TreeEnsembleRegressor"),
    );
    const section = header.sections[step.arrays.trueChild];
    const looping = compiled.slice();
    new DataView(looping.buffer).setInt32(section.offset, 0, true);
    expect(() => openCompiled(looping)).toThrow(InvalidModelError);
  });

  it("opens a buffer that is not 8-byte aligned", () => {
    const shifted = new Uint8Array(compiled.length + 3);
    shifted.set(compiled, 3);
    expect(openCompiled(shifted.subarray(3)).treeNodes).toBe(openCompiled(compiled).treeNodes);
  });
});

describe("feeds that do not match the graph", () => {
  const session = openCompiled(compileOnnx(writeOnnxModel(tinyForest(true))));
  const good: EngineTensor = { type: "float32", dims: [1, 2], data: Float32Array.of(1, 2) };

  it("names the input at fault", () => {
    const attempts: Record<string, EngineTensor>[] = [
      {},
      { x: { type: "float64", dims: [1, 2], data: Float64Array.of(1, 2) } },
      { x: { type: "float32", dims: [2], data: Float32Array.of(1, 2) } },
      { x: { type: "float32", dims: [1, 3], data: Float32Array.of(1, 2, 3) } },
      { x: { type: "float32", dims: [2, 2], data: Float32Array.of(1, 2) } },
    ];
    for (const feeds of attempts) {
      expect(() => session.run(feeds)).toThrow(EngineInputError);
      try {
        session.run(feeds);
      } catch (error) {
        expect((error as EngineInputError).input).toBe("x");
      }
    }
    expect(Array.from(session.run({ x: good }).y?.data as Float32Array)).toEqual([2.75]);
    expect(() => session.run({ x: good, extra: good })).toThrow(/no input extra/);
  });
});

describe("graphs the engine refuses", () => {
  it("names an operator outside the set", () => {
    const bytes = fixture("erf-regressor");
    const inspection = inspectOnnx(bytes);
    expect(inspection.valueDependentMemory).toEqual([]);
    expect(inspection.unsupported.map((issue) => issue.op)).toContain("Erf");
    expect(() => compileOnnx(bytes)).toThrow(UnsupportedGraphError);
    expect(() => compileOnnx(bytes)).toThrow(/Erf/);
  });

  it("names an attribute outside the set", () => {
    const spec = tinyForest(true);
    const attributes = spec.nodes[0]?.attributes ?? {};
    attributes.aggregate_function = { string: "MEDIAN" };
    try {
      compileOnnx(writeOnnxModel(spec));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UnsupportedGraphError);
      expect((error as UnsupportedGraphError).issues[0]).toMatchObject({
        op: "TreeEnsembleRegressor",
        domain: "ai.onnx.ml",
        attribute: "aggregate_function",
      });
    }
  });

  it("flags a ConstantOfShape sized by an input value, for every engine", () => {
    const bytes = fixture("constant-of-shape-of-input");
    const inspection = inspectOnnx(bytes);
    expect(inspection.valueDependentMemory.map((issue) => issue.op)).toContain("ConstantOfShape");
    expect(() => compileOnnx(bytes)).toThrow(UnsafeGraphError);
  });

  const sizedBy = (producer: ModelSpec["nodes"][number]): ModelSpec => ({
    opsets: { "": 17 },
    inputs: [{ name: "x", elemType: 1, dims: ["N", 1] }],
    outputs: [{ name: "y", elemType: 1, dims: [] }],
    nodes: [producer, { op: "ConstantOfShape", inputs: ["shape"], outputs: ["y"], name: "grow" }],
  });

  it("does not flag a ConstantOfShape sized by the input's shape only", () => {
    const inspection = inspectOnnx(
      writeOnnxModel(sizedBy({ op: "Shape", inputs: ["x"], outputs: ["shape"] })),
    );
    expect(inspection.valueDependentMemory).toEqual([]);
    expect(inspection.unsupported.map((issue) => issue.op)).toEqual(["ConstantOfShape"]);
  });

  it("flags values flowing into size operands and control flow", () => {
    const cast = sizedBy({ op: "Cast", inputs: ["x"], outputs: ["shape"], attributes: { to: { int: 7 } } });
    expect(inspectOnnx(writeOnnxModel(cast)).valueDependentMemory).toMatchObject([
      { node: "grow", op: "ConstantOfShape" },
    ]);
    const loop: ModelSpec = {
      opsets: { "": 17 },
      inputs: [{ name: "x", elemType: 1, dims: ["N", 1] }],
      outputs: [{ name: "y", elemType: 1, dims: [] }],
      nodes: [{ op: "Loop", inputs: ["", "", "x"], outputs: ["y"], attributes: { body: { graph: true } } }],
    };
    expect(inspectOnnx(writeOnnxModel(loop)).valueDependentMemory.map((issue) => issue.op)).toEqual(["Loop"]);
  });
});

describe("docs/engine.md", () => {
  it("lists every registered operator", () => {
    for (const definition of OPERATORS)
      expect(engineDoc).toContain(`| ${definition.domain} | ${definition.op} |`);
  });
});
