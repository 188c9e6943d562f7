/**
 * Every problem type the Worker answers with: its slug (the `type` is `urn:edge-inference:problem:<slug>`),
 * HTTP status, title and when it is used. Domain code raises them through ./factories.ts; only
 * worker/http/error-handler.ts turns them into application/problem+json. docs/problems.md is generated from
 * this table (`npx tsx scripts/docs/problems.ts`).
 */
export interface ProblemEntry {
  slug: string;
  status: number;
  title: string;
  when: string;
  /** Sent as Retry-After: the failure is transient. */
  retryAfterSeconds?: number;
}

const entry = <E extends ProblemEntry>(value: E): E => value;

export const PROBLEMS = {
  validation: entry({
    slug: "validation",
    status: 422,
    title: "Invalid request",
    when: "A request field fails its schema or the model's feature rules; `errors` names every bad field.",
  }),
  badRequest: entry({
    slug: "bad-request",
    status: 400,
    title: "Bad request",
    when: "The body is not JSON, or binary tensor framing (Inference-Header-Content-Length) is malformed.",
  }),
  unsupportedMediaType: entry({
    slug: "unsupported-media-type",
    status: 415,
    title: "Unsupported media type",
    when: "An inference body names a Content-Type other than JSON or application/octet-stream.",
  }),
  payloadTooLarge: entry({
    slug: "payload-too-large",
    status: 413,
    title: "Payload too large",
    when: "The request body exceeds the body limit (1 MiB; publish uploads: the artifact budget plus 4 MiB).",
  }),
  unauthorized: entry({
    slug: "unauthorized",
    status: 401,
    title: "Unauthorized",
    when: "The endpoint needs a credential and none (or an unknown or revoked one) was sent.",
  }),
  forbidden: entry({
    slug: "forbidden",
    status: 403,
    title: "Forbidden",
    when: "The credential lacks the scope the endpoint needs.",
  }),
  rateLimited: entry({
    slug: "rate-limited",
    status: 429,
    title: "Too many requests",
    when: "The credential or client address is over the rate limit.",
  }),
  notFound: entry({
    slug: "not-found",
    status: 404,
    title: "Not found",
    when: "No route matches, or a named resource (API key, report) does not exist.",
  }),
  modelNotFound: entry({
    slug: "model-not-found",
    status: 404,
    title: "Model not found",
    when: "No model of that name is published.",
  }),
  versionNotFound: entry({
    slug: "version-not-found",
    status: 404,
    title: "Version not found",
    when: "The model has no version of that name (predict, metadata, admin actions); `versions` lists the known ones.",
  }),
  versionArchived: entry({
    slug: "version-archived",
    status: 409,
    title: "Version archived",
    when: "An archived version is asked to serve or to be promoted or shadowed.",
  }),
  predictionNotFound: entry({
    slug: "prediction-not-found",
    status: 404,
    title: "Prediction not found",
    when: "Feedback names a prediction id not in the log yet (its log row may still be queued).",
    retryAfterSeconds: 5,
  }),
  predictionIdKeyMissing: entry({
    slug: "prediction-id-key-missing",
    status: 503,
    title: "Prediction ids cannot be verified",
    when: "Feedback names a sealed prediction id and the deployment has no usable PREDICTION_ID_KEY secret (docs/monitoring.md, Feedback at scale).",
  }),
  noCatalog: entry({
    slug: "no-catalog",
    status: 404,
    title: "No item catalog",
    when: "Recommend is called on a model that ships no item catalog.",
  }),
  manifestUnavailable: entry({
    slug: "manifest-unavailable",
    status: 503,
    title: "Model version unavailable",
    when: "A version's manifest is missing or invalid in the registry.",
    retryAfterSeconds: 30,
  }),
  artifactUnavailable: entry({
    slug: "artifact-unavailable",
    status: 503,
    title: "Model artifact unavailable",
    when: "A version's artifact is missing, fails its sha256 check, or no engine can load it.",
    retryAfterSeconds: 30,
  }),
  engineUnavailable: entry({
    slug: "engine-unavailable",
    status: 503,
    title: "Engine not in this build",
    when: "The lean build (no onnxruntime-web) is asked to serve a version that needs onnxruntime-web.",
  }),
  inferenceFailed: entry({
    slug: "inference-failed",
    status: 503,
    title: "Inference failed",
    when: "The engine failed while scoring valid rows.",
    retryAfterSeconds: 5,
  }),
  storeUnavailable: entry({
    slug: "store-unavailable",
    status: 503,
    title: "Storage unavailable",
    when: "D1, KV or R2 cannot serve (busy, locked, overloaded, unreachable, 5xx) on an endpoint that needs it; `store` names it. A change is either not applied or completed by retrying the same request.",
    retryAfterSeconds: 10,
  }),
  registryConflict: entry({
    slug: "registry-conflict",
    status: 409,
    title: "Registry busy",
    when: "A registry write lost its compare-and-set too many times to concurrent writes; retry it.",
    retryAfterSeconds: 1,
  }),
  noPreviousVersion: entry({
    slug: "no-previous-version",
    status: 409,
    title: "Nothing to roll back to",
    when: "Rollback finds no earlier default that is still active.",
  }),
  shadowIsDefault: entry({
    slug: "shadow-is-default",
    status: 409,
    title: "The default cannot be a shadow",
    when: "The default version is added as a shadow.",
  }),
  versionIsDefault: entry({
    slug: "version-is-default",
    status: 409,
    title: "The default cannot be archived",
    when: "The default version is archived.",
  }),
  versionInAbTest: entry({
    slug: "version-in-ab-test",
    status: 409,
    title: "Version has A/B traffic",
    when: "A version with A/B weight is archived.",
  }),
  versionExists: entry({
    slug: "version-exists",
    status: 409,
    title: "Version already published",
    when: "A published version is published again with a different artifact or manifest.",
  }),
  manifestInvalid: entry({
    slug: "manifest-invalid",
    status: 422,
    title: "Manifest does not match the schema",
    when: "The uploaded manifest is not JSON, fails the manifest schema, or names another model.",
  }),
  artifactMismatch: entry({
    slug: "artifact-mismatch",
    status: 422,
    title: "Artifact does not match its manifest",
    when: "The artifact's sha256 or size differs from `manifest.artifact`.",
  }),
  artifactTooLarge: entry({
    slug: "artifact-too-large",
    status: 413,
    title: "Artifact over the size budget",
    when: "The artifact exceeds the limit for any engine, or onnxruntime-web's heap budget.",
  }),
  sessionTooLarge: entry({
    slug: "session-too-large",
    status: 413,
    title: "Model over the per-session memory budget",
    when: "The compiled session would retain more than one session's share of the isolate's memory.",
  }),
  onnxInvalid: entry({
    slug: "onnx-invalid",
    status: 422,
    title: "Not a readable ONNX model",
    when: "The model part is not a readable ONNX model, or the chosen engine cannot load it.",
  }),
  graphUnsafe: entry({
    slug: "graph-unsafe",
    status: 422,
    title: "Graph memory depends on an input value",
    when: "A graph's memory depends on an input value: refused for every engine.",
  }),
  engineUnsupported: entry({
    slug: "engine-unsupported",
    status: 422,
    title: "Graph outside the compact engine's operator set",
    when: "The compact engine cannot run the graph and onnxruntime-web is not available (or not chosen).",
  }),
  engineNotInBuild: entry({
    slug: "engine-unavailable",
    status: 422,
    title: "Engine not in this build",
    when: "Publish asks for engine=onnxruntime-web on the lean build (same slug as the 503 at serving time).",
  }),
  signatureMismatch: entry({
    slug: "signature-mismatch",
    status: 422,
    title: "ONNX graph does not match the manifest",
    when: "The graph's inputs or outputs differ from `manifest.onnx`.",
  }),
  examplesInvalid: entry({
    slug: "examples-invalid",
    status: 422,
    title: "Manifest examples fail its own feature rules",
    when: "A manifest example violates the manifest's feature rules.",
  }),
  examplesMismatch: entry({
    slug: "examples-mismatch",
    status: 422,
    title: "Model does not reproduce its manifest examples",
    when: "The serving engine does not reproduce the manifest examples (or cannot score them).",
  }),
  randomRowsFailed: entry({
    slug: "random-rows-failed",
    status: 422,
    title: "Model fails on rows within the manifest's ranges",
    when: "Seeded random rows inside the manifest's ranges fail or disagree across engines.",
  }),
  engineParityMismatch: entry({
    slug: "engine-parity-mismatch",
    status: 422,
    title: "The compact engine disagrees with onnxruntime-web on this model",
    when: "At publish, the compact engine and onnxruntime-web disagree beyond tolerance on the verification rows.",
  }),
  internal: entry({
    slug: "internal",
    status: 500,
    title: "Internal error",
    when: "A defect: anything not in this catalogue. Logged with the request id.",
  }),
} as const satisfies Record<string, ProblemEntry>;

export const PROBLEM_URN_PREFIX = "urn:edge-inference:problem:";

/** Problems without a slug answer with `about:blank`: the HTTP status says it all (405, Hono's own 4xx). */
export const problemTypeUri = (slug: string | undefined): string =>
  slug ? `${PROBLEM_URN_PREFIX}${slug}` : "about:blank";
