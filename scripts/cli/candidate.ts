/**
 * `candidate <version-dir> <model>/<version>`: a re-labelled copy of a version directory under a new
 * version name, so the release story can be rehearsed without training. The ONNX bytes are copied as they
 * are; the manifest gets the new version, recomputed artifact sha256/bytes, no Worker-written `serving`
 * block, no MLflow run of its own, and `training.relabelled_from` plus a description note saying what it is.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { CliError } from "./admin-client.ts";

const SLUG = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

export interface CandidateResult {
  directory: string;
  model: string;
  version: string;
  from: string;
  sha256: string;
  note: string;
}

interface ManifestShape {
  model: string;
  version: string;
  title?: string;
  description?: string;
  artifact: { file: string; sha256: string; bytes: number };
  training: Record<string, unknown>;
  serving?: unknown;
  [key: string]: unknown;
}

function readManifest(dir: string): ManifestShape {
  const file = join(dir, "manifest.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as ManifestShape;
  } catch (error) {
    throw new CliError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

export function prepareCandidate(
  source: string,
  target: string,
  options: { out?: string | undefined; force?: boolean | undefined; now?: Date } = {},
): CandidateResult {
  const [model, version, ...rest] = target.split("/");
  if (!model || !version || rest.length > 0 || !SLUG.test(model) || !SLUG.test(version))
    throw new CliError(
      `bad target "${target}": use <model>/<version>, lowercase slugs, e.g. recommender/v5_candidate`,
      64,
    );
  const manifest = readManifest(source);
  if (manifest.model !== model)
    throw new CliError(`${source} is a version of "${manifest.model}", not "${model}"`, 64);
  if (manifest.version === version)
    throw new CliError(`the candidate needs a new version name (source is ${version})`, 64);
  const directory = resolve(options.out ?? join("candidates", model, version));
  if (existsSync(join(directory, "manifest.json")) && !options.force)
    throw new CliError(`${directory} already holds a version (pass --force to overwrite it)`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(source, manifest.artifact.file));
  } catch (error) {
    throw new CliError(`cannot read the ONNX file: ${(error as Error).message}`);
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const note = `Re-labelled copy of ${model}/${manifest.version}: same ONNX bytes (sha256 ${sha256.slice(0, 12)}), not retrained.`;
  const { serving: _serving, ...rest2 } = manifest;
  const { mlflow: _mlflow, ...training } = manifest.training;
  const copy: ManifestShape = {
    ...rest2,
    version,
    ...(manifest.title ? { title: `${manifest.title} [candidate ${version}]` } : {}),
    description: `${manifest.description ?? ""} ${note}`.trim(),
    artifact: { file: manifest.artifact.file, sha256, bytes: bytes.length },
    training: {
      ...training,
      relabelled_from: {
        model,
        version: manifest.version,
        sha256: manifest.artifact.sha256,
        at: (options.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, "Z"),
        note,
      },
    },
  };
  mkdirSync(directory, { recursive: true });
  writeFileSync(join(directory, manifest.artifact.file), bytes);
  writeFileSync(join(directory, "manifest.json"), `${JSON.stringify(copy, null, 2)}\n`);
  return { directory, model, version, from: manifest.version, sha256, note };
}
