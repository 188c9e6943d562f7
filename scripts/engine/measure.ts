/**
 * Measures the compact engine on every shipped version and prints a Markdown table:
 * ONNX and compiled bytes, retained bytes per tree node, compile and open time, warm run time
 * (1 row and 1,000 rows) and the largest |error| against the manifest examples.
 *
 *   npx tsx scripts/engine/measure.ts
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Manifest, manifestSchema } from "../../worker/contracts/manifest.ts";
import { compileOnnx, type EngineTensor, openCompiled } from "../../worker/engine/index.ts";

const MODELS = "models";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function time<T>(run: () => T): [T, number] {
  const start = performance.now();
  const result = run();
  return [result, performance.now() - start];
}

/** Feeds for `rows` rows cycling through the manifest examples, column by column as the Worker maps them. */
function feeds(manifest: Manifest, rows: number, first = 0): Record<string, EngineTensor> {
  const out: Record<string, EngineTensor> = {};
  for (const spec of manifest.onnx.inputs) {
    const features = manifest.features.filter((feature) => feature.input === spec.name);
    const values: unknown[] = new Array(rows * features.length);
    for (let r = 0; r < rows; r++) {
      const example = manifest.examples[(first + r) % manifest.examples.length]?.inputs ?? {};
      for (const feature of features)
        values[r * features.length + feature.column] = example[feature.name] ?? feature.missing;
    }
    const dims = spec.shape.length === 1 ? [rows] : [rows, features.length];
    if (spec.type === "string")
      out[spec.name] = { type: "string", dims, data: values.map((v) => String(v ?? "")) };
    else if (spec.type === "int64")
      out[spec.name] = {
        type: "int64",
        dims,
        data: BigInt64Array.from(values, (v) => BigInt(Math.trunc(Number(v)))),
      };
    else if (spec.type === "float64")
      out[spec.name] = { type: "float64", dims, data: Float64Array.from(values, Number) };
    else
      out[spec.name] = {
        type: "float32",
        dims,
        data: Float32Array.from(values, (v) => Number(v ?? Number.NaN)),
      };
  }
  return out;
}

function score(manifest: Manifest, output: EngineTensor, row: number): number {
  const width = output.dims.length > 1 ? (output.dims[1] ?? 1) : 1;
  const column =
    manifest.task === "binary_classification" && width > 1 ? (manifest.output.positive_index ?? 1) : 0;
  return Number(output.data[row * width + column]);
}

const lines = [
  "| version | ONNX bytes | compiled bytes | tree nodes | retained B/node | compile ms | open ms (first / warm) | run 1 row µs | run 1,000 rows ms | max abs error | labels |",
  "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
];
for (const model of readdirSync(MODELS).sort()) {
  for (const version of readdirSync(join(MODELS, model)).sort()) {
    const dir = join(MODELS, model, version);
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse(JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")));
    } catch {
      continue;
    }
    const onnx = new Uint8Array(readFileSync(join(dir, manifest.artifact.file)));
    const compileTimes: number[] = [];
    let compiled: Uint8Array = new Uint8Array(0);
    for (let i = 0; i < 3; i++) {
      const [bytes, ms] = time(() => compileOnnx(onnx));
      compiled = bytes;
      compileTimes.push(ms);
    }
    const [session, firstOpen] = time(() => openCompiled(compiled));
    const warmOpens = Array.from({ length: 20 }, () => time(() => openCompiled(compiled))[1]);
    let maxError = 0;
    let labelsMatch = true;
    manifest.examples.forEach((example, index) => {
      const output = session.run(feeds(manifest, 1, index), [manifest.output.name])[
        manifest.output.name
      ] as EngineTensor;
      const raw = score(manifest, output, 0);
      maxError = Math.max(maxError, Math.abs(raw - example.expected.output));
      if (example.expected.label !== undefined) {
        const positive = raw >= (manifest.output.threshold ?? 0.5);
        const label =
          (positive ? manifest.output.positive_label : manifest.output.negative_label) ?? (positive ? 1 : 0);
        if (String(label) !== String(example.expected.label)) labelsMatch = false;
      }
    });
    const one = feeds(manifest, 1);
    const batch = feeds(manifest, 1000);
    for (let i = 0; i < 2000; i++) session.run(one, [manifest.output.name]);
    const single = Array.from({ length: 7 }, () => {
      const [, ms] = time(() => {
        for (let i = 0; i < 1000; i++) session.run(one, [manifest.output.name]);
      });
      return ms;
    });
    for (let i = 0; i < 3; i++) session.run(batch, [manifest.output.name]);
    const batchTimes = Array.from(
      { length: 7 },
      () => time(() => session.run(batch, [manifest.output.name]))[1],
    );
    const perNode = session.treeNodes > 0 ? (session.retainedBytes / session.treeNodes).toFixed(1) : "—";
    lines.push(
      `| ${model}/${version} | ${onnx.length.toLocaleString("en")} | ${compiled.length.toLocaleString("en")} | ${session.treeNodes.toLocaleString("en")} | ${perNode} | ${median(compileTimes).toFixed(0)} | ${firstOpen.toFixed(2)} / ${median(warmOpens).toFixed(2)} | ${median(single).toFixed(1)} | ${median(batchTimes).toFixed(2)} | ${maxError.toExponential(1)} | ${labelsMatch ? "identical" : "DIFFER"} |`,
    );
  }
}
console.log(lines.join("\n"));
