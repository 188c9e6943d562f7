import type { Context } from "hono";
import { sha256Bytes, toHex } from "../auth/credential-hash.ts";
import type { Manifest } from "../contracts/manifest.ts";
import { ProblemError, validationProblem } from "../http/problem.ts";
import { type FieldPath, type RowValidation, validateRows } from "../inference/feature-validation.ts";
import { withModelSession } from "../inference/model-sessions.ts";
import { intervalLevels, predictRows, type RowPrediction } from "../inference/predictor.ts";
import { logPredictions } from "../monitoring/prediction-log.ts";
import type { PredictionRecord } from "../monitoring/prediction-record.ts";
import type { AppEnv } from "../platform/env.ts";
import { chooseVersion, type Route, type RouteDecision } from "../repository/choose-version.ts";
import { readManifest, requireModelRecord } from "../repository/registry-reader.ts";
import type { ModelRecord } from "../repository/registry-types.ts";
import { versionEntry } from "../repository/version-lookup.ts";

/** The documented batch limit: rows per request, scored in one ORT call. */
export const MAX_BATCH_ROWS = 1000;

export interface PredictionRequest {
  model: string;
  rows: unknown[];
  fieldPath: FieldPath;
  /** Where the batch itself is named in errors (e.g. `instances`). */
  batchField: string;
  explicitVersion?: string | undefined;
  ab?: boolean | undefined;
  intervalLevel?: number | undefined;
  intervalField?: string;
  /** Request fields that sit beside the features (e.g. the seed's `version_name`). */
  ignoredFields?: ReadonlySet<string>;
  /** The caller logs (a subset of) `records` itself with `logServedRecords`, e.g. only the items it returns. */
  deferLogging?: boolean;
}

export interface ServedPrediction extends RowPrediction {
  id: string;
}

export interface PredictionResult {
  manifest: Manifest;
  record: ModelRecord;
  version: string;
  route: Route;
  predictions: ServedPrediction[];
  records: PredictionRecord[];
}

/** Logs keep a hash of the subject (128 bits), never the subject itself. */
async function subjectHash(subject: string): Promise<string> {
  return toHex((await sha256Bytes(subject)).slice(0, 16));
}

function subjectOf(c: Context<AppEnv>, manifest: Manifest, rows: unknown[]): string | null {
  const header = c.req.header("x-subject-id");
  if (header) return header;
  const first = rows[0];
  if (manifest.subject_feature && typeof first === "object" && first !== null) {
    const value = (first as Record<string, unknown>)[manifest.subject_feature];
    if (typeof value === "string" || typeof value === "number") return `${manifest.subject_feature}:${value}`;
  }
  const keyId = c.get("auth")?.keyId;
  return keyId ? `key:${keyId}` : null;
}

function checkBatch(request: PredictionRequest): void {
  if (request.rows.length === 0) {
    throw validationProblem([{ field: request.batchField, message: "must contain at least one row" }]);
  }
  if (request.rows.length > MAX_BATCH_ROWS) {
    throw validationProblem([
      {
        field: request.batchField,
        message: `at most ${MAX_BATCH_ROWS} rows per request, got ${request.rows.length}`,
      },
    ]);
  }
}

function checkIntervalLevel(manifest: Manifest, request: PredictionRequest): void {
  if (request.intervalLevel === undefined) return;
  const levels = intervalLevels(manifest);
  if (!levels.some((level) => Math.abs(level - (request.intervalLevel ?? 0)) < 1e-9)) {
    throw validationProblem([
      {
        field: request.intervalField ?? "interval_level",
        message: levels.length
          ? `must be one of ${levels.join(", ")}`
          : "this model has no calibrated intervals",
      },
    ]);
  }
}

async function scoreAndRecord(
  c: Context<AppEnv>,
  manifest: Manifest,
  rows: Parameters<typeof predictRows>[2],
  route: PredictionRecord["route"],
  subject: string | null,
  intervalLevel: number | undefined,
  started: number,
): Promise<{ predictions: ServedPrediction[]; records: PredictionRecord[] }> {
  const scored = await withModelSession(c.env.ARTIFACTS, manifest, async (session) => {
    try {
      return await predictRows(session, manifest, rows, intervalLevel);
    } catch (error) {
      throw new ProblemError({
        status: 503,
        type: "inference-failed",
        title: "Inference failed",
        detail: `ONNX Runtime failed on ${manifest.model}/${manifest.version}: ${String(error)}`,
        headers: { "retry-after": "5" },
      });
    }
  });
  const base = await recordBase(c, manifest.model, manifest.version, route, subject, started);
  const predictions = scored.map((prediction) => ({ ...prediction, id: crypto.randomUUID() }));
  const records = predictions.map(
    (prediction, index): PredictionRecord => ({
      ...base,
      id: prediction.id,
      inputs: rows[index] ?? {},
      output: prediction.output,
      label: prediction.label === null ? null : String(prediction.label),
      interval: prediction.interval,
      status: "ok",
      error: null,
    }),
  );
  return { predictions, records };
}

type RecordBase = Omit<
  PredictionRecord,
  "id" | "inputs" | "output" | "label" | "interval" | "status" | "error"
>;

async function recordBase(
  c: Context<AppEnv>,
  model: string,
  version: string,
  route: PredictionRecord["route"],
  subject: string | null,
  started: number,
): Promise<RecordBase> {
  const ts = Date.now();
  const cf = c.req.raw.cf as { colo?: string; country?: string } | undefined;
  return {
    ts,
    request_id: c.get("requestId"),
    model,
    version,
    route,
    subject_hash: subject ? await subjectHash(subject) : null,
    latency_ms: ts - started,
    colo: cf?.colo ?? null,
    country: cf?.country ?? null,
    key_id: c.get("auth")?.keyId ?? null,
  };
}

/**
 * A request that reached a model version but failed on the server side (artifact or inference unavailable)
 * is logged once, without its payload, so the cron's per-request error rate sees it; drift and performance
 * read only `ok` rows.
 */
async function logFailure(
  c: Context<AppEnv>,
  decision: RouteDecision & { model: string },
  subject: string | null,
  problem: ProblemError,
  started: number,
): Promise<void> {
  const base = await recordBase(c, decision.model, decision.version, decision.route, subject, started);
  const failure: PredictionRecord = {
    ...base,
    id: crypto.randomUUID(),
    inputs: {},
    output: null,
    label: null,
    interval: null,
    status: "error",
    error: `${problem.init.status} ${problem.init.type ?? "error"}: ${problem.message}`.slice(0, 500),
  };
  logPredictions(c.env.PREDICTION_LOG, waitUntil(c), [failure], c.env.DB);
}

/** Hands served records to the log queue, off the critical path. */
export function logServedRecords(c: Context<AppEnv>, records: PredictionRecord[]): void {
  logPredictions(c.env.PREDICTION_LOG, waitUntil(c), records, c.env.DB);
}

function waitUntil(c: Context<AppEnv>): (promise: Promise<unknown>) => void {
  return (promise) => c.executionCtx.waitUntil(promise);
}

/**
 * Shadow versions see the same request after the response; their scores are logged, never returned. Each
 * validates the raw rows against its own manifest (a candidate may have different features); a shadow that
 * cannot score them is skipped and says so in the log.
 */
function scoreShadows(
  c: Context<AppEnv>,
  record: ModelRecord,
  served: string,
  request: PredictionRequest,
  subject: string | null,
  started: number,
): void {
  for (const version of record.traffic.shadow) {
    if (version === served || versionEntry(record, version)?.status !== "active") continue;
    waitUntil(c)(
      (async () => {
        const manifest = await readManifest(c.env.REGISTRY, record.name, version);
        const { rows, errors } = validateRows(
          manifest,
          request.rows,
          request.fieldPath,
          request.ignoredFields,
        );
        if (errors.length > 0) {
          console.warn(
            JSON.stringify({
              event: "shadow_skipped",
              model: record.name,
              version,
              errors: errors.slice(0, 5),
            }),
          );
          return;
        }
        const { records } = await scoreAndRecord(c, manifest, rows, "shadow", subject, undefined, started);
        logPredictions(c.env.PREDICTION_LOG, waitUntil(c), records, c.env.DB);
      })().catch((error: unknown) => {
        console.error(
          JSON.stringify({ event: "shadow_failed", model: record.name, version, error: String(error) }),
        );
      }),
    );
  }
}

function validateOrThrow(manifest: Manifest, request: PredictionRequest): RowValidation {
  const validation = validateRows(manifest, request.rows, request.fieldPath, request.ignoredFields);
  if (validation.errors.length === 0) return validation;
  const total = validation.errors.length + validation.omitted;
  const first = validation.errors
    .slice(0, 5)
    .map((error) => `${error.field} ${error.message}`)
    .join("; ");
  throw validationProblem(
    validation.errors,
    `${total} invalid field(s): ${first}${total > 5 ? "; ..." : ""}`,
  );
}

/** The whole serving path shared by every predict-style route: resolve, route, validate, infer, log. */
export async function runPrediction(
  c: Context<AppEnv>,
  request: PredictionRequest,
): Promise<PredictionResult> {
  const started = Date.now();
  checkBatch(request);
  const record = await requireModelRecord(c.env.REGISTRY, request.model);
  const defaultManifest = await readManifest(c.env.REGISTRY, record.name, record.default);
  const subject = subjectOf(c, defaultManifest, request.rows);
  const decision = await chooseVersion(record, {
    explicitVersion: request.explicitVersion,
    ab: request.ab,
    subject,
  });
  try {
    const manifest =
      decision.version === record.default
        ? defaultManifest
        : await readManifest(c.env.REGISTRY, record.name, decision.version);

    const validation = validateOrThrow(manifest, request);
    checkIntervalLevel(manifest, request);

    const { predictions, records } = await scoreAndRecord(
      c,
      manifest,
      validation.rows,
      decision.route,
      subject,
      request.intervalLevel,
      started,
    );
    if (!request.deferLogging) logServedRecords(c, records);
    scoreShadows(c, record, decision.version, request, subject, started);
    c.header("x-model-version", decision.version);
    c.header("x-model-route", decision.route);
    return { manifest, record, version: decision.version, route: decision.route, predictions, records };
  } catch (error) {
    // Server-side failures count against the model; a client's invalid rows (4xx) do not.
    if (error instanceof ProblemError && error.init.status >= 500) {
      await logFailure(c, { ...decision, model: record.name }, subject, error, started);
    }
    throw error;
  }
}
