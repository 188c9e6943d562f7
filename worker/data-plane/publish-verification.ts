import { type Manifest, manifestSchema, type Serving } from "../contracts/manifest.ts";
import { openCompactEngine } from "../inference/compact-engine.ts";
import { MAX_ONNX_ARTIFACT_BYTES, MAX_ORT_ARTIFACT_BYTES } from "../inference/edge-limits.ts";
import type { ServingPlan } from "../inference/engine-choice.ts";
import { type FeatureRow, validateRows } from "../inference/feature-validation.ts";
import type { EngineTensor, ModelEngine } from "../inference/model-engine.ts";
import type { OrtLoader } from "../inference/ort-loader.ts";
import { predictRows } from "../inference/predictor.ts";
import { randomRows, seedOf } from "../inference/random-rows.ts";
import { rowsToFeeds } from "../inference/tensor-mapping.ts";
import { DomainError, type FieldError, problems, zodFieldErrors } from "../problems/index.ts";
import { verifyArtifactBytes } from "../repository/artifact-store.ts";
import { taskOf } from "../tasks/index.ts";
import type { EngineName } from "../vocabulary/index.ts";

/** Examples must reproduce training's outputs within this (absolute, plus relative for large values). */
const EXAMPLE_TOLERANCE = 1e-4;
/** The compact engine must agree with onnxruntime-web within this on every output (labels exactly). */
const ENGINE_PARITY_TOLERANCE = 1e-5;
/** Seeded rows within the manifest's ranges run through the serving engine at publish. */
const RANDOM_VERIFICATION_ROWS = 64;

export interface OrtParityReport {
  rows: number;
  max_abs_error: number;
}

export interface VerificationReport {
  sha256: string;
  bytes: number;
  engine: EngineName;
  inputs: string[];
  outputs: string[];
  examples: number;
  max_abs_error: number;
  random_rows: number;
  compiled?: Serving["compiled"];
  /** Compact versions: the same rows through onnxruntime-web, when this build has it and the artifact fits it. */
  ort_parity: OrtParityReport | null;
}

/** Parses an uploaded manifest; a `serving` block is the Worker's to write, so an uploaded one is dropped. */
export function parseManifest(raw: unknown, model: string): Manifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw problems.manifestInvalid(zodFieldErrors(parsed.error, "manifest"));
  }
  if (parsed.data.model !== model) {
    throw problems.manifestInvalid(
      [{ field: "manifest.model", message: `is "${parsed.data.model}", the URL says "${model}"` }],
      "Manifest names another model",
    );
  }
  const { serving: _chosenByTheWorker, ...manifest } = parsed.data;
  return manifest;
}

export async function checkArtifact(manifest: Manifest, bytes: Uint8Array): Promise<string> {
  // The engine-specific budgets (ORT's heap, a compact session's retained bytes) are checked once the engine is chosen.
  if (bytes.byteLength > MAX_ONNX_ARTIFACT_BYTES) {
    throw problems.artifactTooLarge(
      `${bytes.byteLength} bytes exceeds the ${MAX_ONNX_ARTIFACT_BYTES}-byte limit for any engine (schemas/edge-limits.json max_onnx_artifact_bytes; onnxruntime-web takes at most ${MAX_ORT_ARTIFACT_BYTES})`,
    );
  }
  return verifyArtifactBytes(manifest, bytes);
}

function checkSignature(engine: ModelEngine, manifest: Manifest): void {
  const errors: FieldError[] = [];
  const graphInputs = new Map(engine.inputs.map((info) => [info.name, info.type as string] as const));
  const declared = new Set(manifest.onnx.inputs.map((input) => input.name));
  manifest.onnx.inputs.forEach((input, index) => {
    const actual = graphInputs.get(input.name);
    if (actual === undefined)
      errors.push({
        field: `manifest.onnx.inputs[${index}].name`,
        message: `the graph has no input ${input.name}`,
      });
    else if (actual !== input.type)
      errors.push({
        field: `manifest.onnx.inputs[${index}].type`,
        message: `is ${input.type}, the graph says ${actual}`,
      });
  });
  for (const name of graphInputs.keys()) {
    if (!declared.has(name))
      errors.push({ field: "manifest.onnx.inputs", message: `the graph input ${name} is not declared` });
  }
  const graphOutputs = new Set(engine.outputNames);
  manifest.onnx.outputs.forEach((output, index) => {
    if (!graphOutputs.has(output.name)) {
      errors.push({
        field: `manifest.onnx.outputs[${index}].name`,
        message: `the graph has no output ${output.name} (it has ${[...graphOutputs].join(", ")})`,
      });
    }
  });
  if (errors.length > 0) throw problems.signatureMismatch(errors);
}

function exampleRows(manifest: Manifest): FeatureRow[] {
  const validation = validateRows(
    manifest,
    manifest.examples.map((example) => example.inputs),
    (row, name) => `manifest.examples[${row}].inputs.${name}`,
  );
  if (validation.errors.length > 0) throw problems.examplesInvalid(validation.errors);
  return validation.rows;
}

async function checkExamples(engine: ModelEngine, manifest: Manifest, rows: FeatureRow[]): Promise<number> {
  let predictions: Awaited<ReturnType<typeof predictRows>>;
  try {
    predictions = await predictRows(engine, manifest, rows);
  } catch (error) {
    throw problems.examplesMismatch(
      [{ field: "manifest.examples", message: String(error) }],
      "Examples could not be scored",
    );
  }
  const errors: FieldError[] = [];
  const task = taskOf(manifest);
  let maxError = 0;
  manifest.examples.forEach((example, index) => {
    const raw = predictions[index]?.raw ?? Number.NaN;
    const expected = example.expected.output;
    const error = Math.abs(raw - expected);
    maxError = Math.max(maxError, Number.isFinite(error) ? error : Number.POSITIVE_INFINITY);
    if (!(error <= EXAMPLE_TOLERANCE * Math.max(1, Math.abs(expected)))) {
      errors.push({
        field: `manifest.examples[${index}].expected.output`,
        message: `is ${expected}, the model gives ${raw}`,
      });
    }
    errors.push(...task.checkExample(manifest, example, predictions[index], index, EXAMPLE_TOLERANCE));
  });
  if (errors.length > 0) throw problems.examplesMismatch(errors);
  return maxError;
}

const outputNames = (manifest: Manifest) => manifest.onnx.outputs.map((output) => output.name);

/** Every declared output of the rows, through `engine`. */
async function runAll(engine: ModelEngine, manifest: Manifest, rows: FeatureRow[]) {
  return engine.run(rowsToFeeds(manifest, rows), outputNames(manifest));
}

/** Random rows: every declared output present, of its declared shape, and finite. */
async function checkRandomRows(engine: ModelEngine, manifest: Manifest, rows: FeatureRow[]): Promise<void> {
  let results: Record<string, EngineTensor>;
  try {
    results = await runAll(engine, manifest, rows);
  } catch (error) {
    throw problems.randomRowsFailed([{ field: "model", message: `${engine.kind}: ${String(error)}` }]);
  }
  const errors: FieldError[] = [];
  manifest.onnx.outputs.forEach((spec, index) => {
    const field = `manifest.onnx.outputs[${index}]`;
    const tensor = results[spec.name];
    if (!tensor) {
      errors.push({ field, message: `output ${spec.name} missing` });
      return;
    }
    const expectedDims = spec.shape.map((dim, axis) =>
      typeof dim === "number" ? dim : axis === 0 ? rows.length : null,
    );
    const shapeOk =
      tensor.dims.length === expectedDims.length &&
      expectedDims.every((dim, axis) => dim === null || dim === tensor.dims[axis]);
    if (!shapeOk) {
      errors.push({
        field: `${field}.shape`,
        message: `is [${spec.shape.join(", ")}], the model gives [${tensor.dims.join(", ")}] for ${rows.length} rows`,
      });
    }
    if (tensor.type === "float32" || tensor.type === "float64") {
      const data = tensor.data as Float32Array | Float64Array;
      const bad = data.findIndex((value) => !Number.isFinite(value));
      if (bad >= 0)
        errors.push({ field, message: `${spec.name}[${bad}] is ${data[bad]} for a row within range` });
    }
  });
  if (errors.length > 0) throw problems.randomRowsFailed(errors);
}

/** Largest |compact - ort| over every declared output; labels and strings must be identical. */
function compareOutputs(
  manifest: Manifest,
  compact: Record<string, EngineTensor>,
  ort: Record<string, EngineTensor>,
): { maxAbsError: number; errors: FieldError[] } {
  const errors: FieldError[] = [];
  let maxAbsError = 0;
  for (const name of outputNames(manifest)) {
    const a = compact[name];
    const b = ort[name];
    if (!a || !b || a.data.length !== b.data.length) {
      errors.push({ field: `outputs.${name}`, message: "missing or of another size in one engine" });
      continue;
    }
    for (let i = 0; i < a.data.length; i += 1) {
      const x = a.data[i];
      const y = b.data[i];
      if (typeof x === "number" && typeof y === "number") {
        const diff = Math.abs(x - y);
        const same =
          diff <= ENGINE_PARITY_TOLERANCE * Math.max(1, Math.abs(y)) || (Number.isNaN(x) && Number.isNaN(y));
        if (Number.isFinite(diff)) maxAbsError = Math.max(maxAbsError, diff);
        if (!same && errors.length < 10)
          errors.push({ field: `outputs.${name}[${i}]`, message: `compact ${x}, onnxruntime-web ${y}` });
      } else if (String(x) !== String(y) && errors.length < 10) {
        errors.push({
          field: `outputs.${name}[${i}]`,
          message: `compact ${String(x)}, onnxruntime-web ${String(y)}`,
        });
      }
    }
  }
  return { maxAbsError, errors };
}

async function checkOrtParity(
  compact: ModelEngine,
  manifest: Manifest,
  bytes: Uint8Array,
  rows: FeatureRow[],
  loadOrt: OrtLoader,
): Promise<OrtParityReport | null> {
  if (bytes.byteLength > MAX_ORT_ARTIFACT_BYTES) return null;
  const ortModule = await loadOrt();
  if (!ortModule.ortInBuild) return null;
  let ort: ModelEngine;
  try {
    ort = await ortModule.openOrtEngine(bytes);
  } catch {
    // ORT's own limits are not the compact version's concern: no second opinion, nothing refused.
    return null;
  }
  try {
    const [a, b] = [await runAll(compact, manifest, rows), await runAll(ort, manifest, rows)];
    const { maxAbsError, errors } = compareOutputs(manifest, a, b);
    if (errors.length > 0) throw problems.engineParityMismatch(errors);
    return { rows: rows.length, max_abs_error: maxAbsError };
  } finally {
    await ort.release().catch(() => undefined);
  }
}

async function openPlanned(plan: ServingPlan, bytes: Uint8Array, loadOrt: OrtLoader): Promise<ModelEngine> {
  try {
    if (plan.compiled) return openCompactEngine(plan.compiled);
    return await (await loadOrt()).openOrtEngine(bytes);
  } catch (error) {
    if (error instanceof DomainError) throw error;
    throw problems.onnxUnloadable(plan.serving.engine, String(error));
  }
}

/**
 * Runs the version through the engine that will serve it: signature, manifest examples, and seeded random
 * rows within the manifest's ranges (finite outputs of the declared shapes). A compact version is also
 * compared with onnxruntime-web on the same rows when the build has ORT and the artifact fits it.
 */
export async function verifyWithEngine(
  manifest: Manifest,
  bytes: Uint8Array,
  sha256: string,
  plan: ServingPlan,
  loadOrt: OrtLoader,
): Promise<VerificationReport> {
  const engine = await openPlanned(plan, bytes, loadOrt);
  try {
    checkSignature(engine, manifest);
    const examples = exampleRows(manifest);
    const maxError = await checkExamples(engine, manifest, examples);
    const random = randomRows(manifest, RANDOM_VERIFICATION_ROWS, seedOf(sha256));
    await checkRandomRows(engine, manifest, random);
    const parity =
      engine.kind === "compact"
        ? await checkOrtParity(engine, manifest, bytes, [...examples, ...random], loadOrt)
        : null;
    return {
      sha256,
      bytes: bytes.byteLength,
      engine: engine.kind,
      inputs: [...engine.inputNames],
      outputs: [...engine.outputNames],
      examples: manifest.examples.length,
      max_abs_error: maxError,
      random_rows: random.length,
      ...(plan.serving.compiled ? { compiled: plan.serving.compiled } : {}),
      ort_parity: parity,
    };
  } finally {
    await engine.release().catch(() => undefined);
  }
}
