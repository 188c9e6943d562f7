import { PROBLEMS, type ProblemEntry } from "./catalogue.ts";
import { DomainError, type FieldError } from "./domain-error.ts";

/** One factory per catalogue entry: the detail of each problem is worded here, once. */

/** `Title: field message; field message (and N more)`: the detail of a refusal that lists its fields. */
function refusal(problem: ProblemEntry, errors: FieldError[], title = problem.title): DomainError {
  const listed = errors
    .slice(0, 5)
    .map((error) => `${error.field} ${error.message}`)
    .join("; ");
  const more = errors.length > 5 ? ` (and ${errors.length - 5} more)` : "";
  return new DomainError(problem, { title, detail: `${title}: ${listed}${more}`, errors });
}

export const validation = (errors: FieldError[], detail?: string): DomainError =>
  new DomainError(PROBLEMS.validation, {
    detail: detail ?? errors.map((error) => `${error.field}: ${error.message}`).join("; "),
    errors,
  });

/** Row validation: the count, then the first five fields. */
export function invalidRows(errors: FieldError[], omitted: number): DomainError {
  const total = errors.length + omitted;
  const first = errors
    .slice(0, 5)
    .map((error) => `${error.field} ${error.message}`)
    .join("; ");
  return validation(errors, `${total} invalid field(s): ${first}${total > 5 ? "; ..." : ""}`);
}

export const badRequest = (detail: string, errors?: FieldError[]): DomainError =>
  new DomainError(PROBLEMS.badRequest, { detail, ...(errors ? { errors } : {}) });

export const malformedJson = (detail: string): DomainError =>
  badRequest(detail, [{ field: "(body)", message: "not JSON" }]);

export const unsupportedMediaType = (essence: string, detail: string): DomainError =>
  new DomainError(PROBLEMS.unsupportedMediaType, {
    detail,
    errors: [{ field: "Content-Type", message: `${essence} is not accepted` }],
  });

export const payloadTooLarge = (limitBytes: number): DomainError =>
  new DomainError(PROBLEMS.payloadTooLarge, {
    detail: `The request body exceeds ${limitBytes} bytes.`,
    extra: { limit_bytes: limitBytes },
  });

export const unauthorized = (detail: string): DomainError =>
  new DomainError(PROBLEMS.unauthorized, { detail });

export const forbidden = (detail: string): DomainError => new DomainError(PROBLEMS.forbidden, { detail });

export const rateLimited = (detail: string, retryAfterSeconds: number): DomainError =>
  new DomainError(PROBLEMS.rateLimited, { detail, retryAfterSeconds });

export const notFound = (detail: string): DomainError => new DomainError(PROBLEMS.notFound, { detail });

export const modelNotFound = (model: string): DomainError =>
  new DomainError(PROBLEMS.modelNotFound, { detail: `No model named "${model}" is published.` });

export const versionNotFound = (
  model: string,
  version: string,
  knownVersions: readonly string[],
): DomainError =>
  new DomainError(PROBLEMS.versionNotFound, {
    detail: `Model "${model}" has no version "${version}".`,
    extra: { versions: [...knownVersions].sort() },
  });

export const versionArchived = (model: string, version: string): DomainError =>
  new DomainError(PROBLEMS.versionArchived, {
    detail: `Version "${version}" of "${model}" is archived and no longer served.`,
  });

export const predictionNotFound = (detail: string): DomainError =>
  new DomainError(PROBLEMS.predictionNotFound, { detail });

export const noCatalog = (model: string): DomainError =>
  new DomainError(PROBLEMS.noCatalog, {
    detail: `Model "${model}" ships no item catalog, so it cannot recommend.`,
  });

export const manifestUnavailable = (
  model: string,
  version: string,
  state: "missing" | "invalid",
): DomainError =>
  new DomainError(PROBLEMS.manifestUnavailable, {
    detail: `The manifest of ${model}/${version} is ${state} in the registry.`,
  });

export const artifactUnavailable = (detail: string): DomainError =>
  new DomainError(PROBLEMS.artifactUnavailable, { detail });

export const engineUnavailable = (detail: string): DomainError =>
  new DomainError(PROBLEMS.engineUnavailable, { detail });

export const inferenceFailed = (model: string, version: string, cause: unknown): DomainError =>
  new DomainError(PROBLEMS.inferenceFailed, {
    detail: `ONNX Runtime failed on ${model}/${version}: ${String(cause)}`,
  });

/**
 * A storage binding could not serve. `description` names the store and its state in fixed words
 * (worker/platform/store-failure.ts), never the binding's own text; `store` goes into the body so clients
 * and dashboards can tell which store is down. `extra` adds members (e.g. a committed revision).
 */
export const storeUnavailable = (
  store: "D1" | "KV" | "R2",
  description: string,
  extra: Record<string, unknown> = {},
): DomainError =>
  new DomainError(PROBLEMS.storeUnavailable, {
    detail: `${description}; retry the request.`,
    extra: { store, ...extra },
  });

export const predictionIdKeyMissing = (): DomainError =>
  new DomainError(PROBLEMS.predictionIdKeyMissing, {
    detail:
      "This deployment has no usable PREDICTION_ID_KEY secret, so sealed prediction ids cannot be verified; set it (wrangler secret put PREDICTION_ID_KEY) and resend.",
  });

export const registryConflict = (model: string): DomainError =>
  new DomainError(PROBLEMS.registryConflict, {
    detail: `The registry record of "${model}" kept changing under this write; retry it.`,
  });

export const noPreviousVersion = (model: string): DomainError =>
  new DomainError(PROBLEMS.noPreviousVersion, {
    detail: `"${model}" has no earlier active default; promote a version explicitly instead.`,
  });

export const shadowIsDefault = (version: string): DomainError =>
  new DomainError(PROBLEMS.shadowIsDefault, {
    detail: `${version} already answers every unsplit request; shadow a candidate version instead.`,
  });

export const versionIsDefault = (model: string, version: string): DomainError =>
  new DomainError(PROBLEMS.versionIsDefault, {
    detail: `${version} is the default of "${model}"; promote another version first.`,
  });

export const versionInAbTest = (version: string, weight: number): DomainError =>
  new DomainError(PROBLEMS.versionInAbTest, {
    detail: `${version} has weight ${weight}; set new weights without it first.`,
  });

export const versionExists = (
  model: string,
  version: string,
  differing: "artifact" | "manifest",
): DomainError =>
  new DomainError(PROBLEMS.versionExists, {
    detail: `${model}/${version} is already published with a different ${differing}; published versions are immutable, publish a new version name instead.`,
  });

export const manifestInvalid = (errors: FieldError[], title?: string): DomainError =>
  refusal(PROBLEMS.manifestInvalid, errors, title);

export const manifestNotJson = (cause: unknown): DomainError =>
  new DomainError(PROBLEMS.manifestInvalid, {
    title: "Manifest is not JSON",
    detail: `The manifest part is not valid JSON: ${String(cause)}`,
    errors: [{ field: "manifest", message: "is not valid JSON" }],
  });

/** The one sha256/size check of an artifact against its manifest (publish and the registry writer). */
export function artifactMismatch(
  declared: { sha256: string; bytes: number },
  actual: { sha256: string; bytes: number },
): DomainError | null {
  const errors: FieldError[] = [];
  if (actual.sha256 !== declared.sha256) {
    errors.push({
      field: "manifest.artifact.sha256",
      message: `is ${declared.sha256}, the upload hashes to ${actual.sha256}`,
    });
  }
  if (actual.bytes !== declared.bytes) {
    errors.push({
      field: "manifest.artifact.bytes",
      message: `is ${declared.bytes}, the upload has ${actual.bytes}`,
    });
  }
  return errors.length > 0 ? refusal(PROBLEMS.artifactMismatch, errors) : null;
}

/** Over the limit for any engine: a refusal naming the `model` part. */
export const artifactTooLarge = (message: string): DomainError =>
  refusal(PROBLEMS.artifactTooLarge, [{ field: "model", message }]);

const overBudget = (problem: ProblemEntry, title: string, message: string): DomainError =>
  new DomainError(problem, { title, detail: `${title}: ${message}`, errors: [{ field: "model", message }] });

export const artifactOverOrtBudget = (message: string): DomainError =>
  overBudget(PROBLEMS.artifactTooLarge, "Artifact over onnxruntime-web's size budget", message);

export const sessionTooLarge = (message: string): DomainError =>
  overBudget(PROBLEMS.sessionTooLarge, PROBLEMS.sessionTooLarge.title, message);

export const onnxUnreadable = (message: string): DomainError =>
  new DomainError(PROBLEMS.onnxInvalid, {
    detail: `The model part is not a readable ONNX model: ${message}`,
    errors: [{ field: "model", message }],
  });

export const onnxUnloadable = (engine: string, message: string): DomainError =>
  refusal(PROBLEMS.onnxInvalid, [{ field: "model", message }], `${engine} cannot load the model`);

/** A graph refusal: the first five issues in the detail, every one in `errors` and `issues`. */
export function graphRefused(
  problem: typeof PROBLEMS.graphUnsafe | typeof PROBLEMS.engineUnsupported,
  issues: readonly unknown[],
  texts: readonly string[],
  reason: string,
): DomainError {
  return new DomainError(problem, {
    detail: `${reason}: ${texts.slice(0, 5).join("; ")}${texts.length > 5 ? ` (and ${texts.length - 5} more)` : ""}`,
    errors: texts.map((message) => ({ field: "model", message })),
    extra: { issues },
  });
}

export const engineNotInBuild = (detail: string, errors: FieldError[]): DomainError =>
  new DomainError(PROBLEMS.engineNotInBuild, { detail, errors });

export const signatureMismatch = (errors: FieldError[]): DomainError =>
  refusal(PROBLEMS.signatureMismatch, errors);

export const examplesInvalid = (errors: FieldError[]): DomainError =>
  refusal(PROBLEMS.examplesInvalid, errors);

export const examplesMismatch = (errors: FieldError[], title?: string): DomainError =>
  refusal(PROBLEMS.examplesMismatch, errors, title);

export const randomRowsFailed = (errors: FieldError[]): DomainError =>
  refusal(PROBLEMS.randomRowsFailed, errors);

export const engineParityMismatch = (errors: FieldError[]): DomainError =>
  refusal(
    PROBLEMS.engineParityMismatch,
    errors,
    "The compact engine disagrees with onnxruntime-web on this model (publish with engine=onnxruntime-web to serve it with ORT)",
  );

export const internalError = (): DomainError =>
  new DomainError(PROBLEMS.internal, {
    detail: "An unexpected error occurred; it has been logged with this request id.",
  });
