import { type FieldError, ProblemError } from "../http/problem.ts";
import { zodFieldErrors } from "../http/zod-errors.ts";
import { validateRows } from "../inference/feature-validation.ts";
import { MAX_EDGE_ARTIFACT_BYTES, SESSION_BYTES_PER_ARTIFACT_BYTE } from "../inference/model-sessions.ts";
import { createSession, type InferenceSession } from "../inference/ort-runtime.ts";
import { predictRows } from "../inference/predictor.ts";
import { type Manifest, manifestSchema } from "../schemas/manifest.ts";
import { sha256Hex } from "../storage/artifact-store.ts";

/** Examples must reproduce training's outputs within this (absolute, plus relative for large values). */
export const EXAMPLE_TOLERANCE = 1e-4;

export interface VerificationReport {
  sha256: string;
  bytes: number;
  inputs: string[];
  outputs: string[];
  examples: number;
  max_abs_error: number;
}

const rejected = (type: string, title: string, errors: FieldError[], status: 413 | 422 = 422) =>
  new ProblemError({
    status,
    type,
    title,
    detail: `${title}: ${errors
      .slice(0, 5)
      .map((error) => `${error.field} ${error.message}`)
      .join("; ")}${errors.length > 5 ? ` (and ${errors.length - 5} more)` : ""}`,
    errors,
  });

export function parseManifest(raw: unknown, model: string): Manifest {
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw rejected(
      "manifest-invalid",
      "Manifest does not match the schema",
      zodFieldErrors(parsed.error, "manifest"),
    );
  }
  if (parsed.data.model !== model) {
    throw rejected("manifest-invalid", "Manifest names another model", [
      { field: "manifest.model", message: `is "${parsed.data.model}", the URL says "${model}"` },
    ]);
  }
  return parsed.data;
}

export async function checkArtifact(manifest: Manifest, bytes: Uint8Array): Promise<string> {
  // The file budget is set by ORT's heap, not the upload: tree ensembles take ~12x their size while loading.
  if (bytes.byteLength > MAX_EDGE_ARTIFACT_BYTES) {
    throw rejected(
      "artifact-too-large",
      "Artifact over the size budget",
      [
        {
          field: "model",
          message: `${bytes.byteLength} bytes exceeds the ${MAX_EDGE_ARTIFACT_BYTES}-byte edge budget (a session takes ~${SESSION_BYTES_PER_ARTIFACT_BYTE}x its artifact in the isolate's 128 MB)`,
        },
      ],
      413,
    );
  }
  const sha256 = await sha256Hex(bytes);
  const errors: FieldError[] = [];
  if (sha256 !== manifest.artifact.sha256) {
    errors.push({
      field: "manifest.artifact.sha256",
      message: `is ${manifest.artifact.sha256}, the upload hashes to ${sha256}`,
    });
  }
  if (bytes.byteLength !== manifest.artifact.bytes) {
    errors.push({
      field: "manifest.artifact.bytes",
      message: `is ${manifest.artifact.bytes}, the upload has ${bytes.byteLength}`,
    });
  }
  if (errors.length > 0) throw rejected("artifact-mismatch", "Artifact does not match its manifest", errors);
  return sha256;
}

function checkSignature(session: InferenceSession, manifest: Manifest): void {
  const errors: FieldError[] = [];
  const graphInputs = new Map(
    session.inputMetadata.map((meta) => [meta.name, meta.isTensor ? meta.type : "non-tensor"] as const),
  );
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
  const graphOutputs = new Set(session.outputNames);
  manifest.onnx.outputs.forEach((output, index) => {
    if (!graphOutputs.has(output.name)) {
      errors.push({
        field: `manifest.onnx.outputs[${index}].name`,
        message: `the graph has no output ${output.name} (it has ${[...graphOutputs].join(", ")})`,
      });
    }
  });
  if (errors.length > 0)
    throw rejected("signature-mismatch", "ONNX graph does not match the manifest", errors);
}

async function checkExamples(session: InferenceSession, manifest: Manifest): Promise<number> {
  const validation = validateRows(
    manifest,
    manifest.examples.map((example) => example.inputs),
    (row, name) => `manifest.examples[${row}].inputs.${name}`,
  );
  if (validation.errors.length > 0)
    throw rejected("examples-invalid", "Manifest examples fail its own feature rules", validation.errors);
  let predictions: Awaited<ReturnType<typeof predictRows>>;
  try {
    predictions = await predictRows(session, manifest, validation.rows);
  } catch (error) {
    throw rejected("examples-mismatch", "Examples could not be scored", [
      { field: "manifest.examples", message: String(error) },
    ]);
  }
  const errors: FieldError[] = [];
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
    const label = predictions[index]?.label;
    // A score within the tolerance of the threshold may legitimately land on either side.
    const decisive = Math.abs(raw - (manifest.output.threshold ?? 0.5)) > EXAMPLE_TOLERANCE;
    if (
      decisive &&
      example.expected.label !== undefined &&
      manifest.task === "binary_classification" &&
      String(label) !== String(example.expected.label)
    ) {
      errors.push({
        field: `manifest.examples[${index}].expected.label`,
        message: `is ${example.expected.label}, the model gives ${label}`,
      });
    }
  });
  if (errors.length > 0)
    throw rejected("examples-mismatch", "Model does not reproduce its manifest examples", errors);
  return maxError;
}

/** Loads the bytes in ONNX Runtime (a throwaway session) and checks signature and examples against the manifest. */
export async function verifyWithRuntime(
  manifest: Manifest,
  bytes: Uint8Array,
  sha256: string,
): Promise<VerificationReport> {
  let session: InferenceSession;
  try {
    session = await createSession(bytes);
  } catch (error) {
    throw rejected("onnx-invalid", "ONNX Runtime cannot load the model", [
      { field: "model", message: String(error) },
    ]);
  }
  try {
    checkSignature(session, manifest);
    const maxError = await checkExamples(session, manifest);
    return {
      sha256,
      bytes: bytes.byteLength,
      inputs: [...session.inputNames],
      outputs: [...session.outputNames],
      examples: manifest.examples.length,
      max_abs_error: maxError,
    };
  } finally {
    await session.release().catch(() => undefined);
  }
}
