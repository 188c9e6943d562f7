import type { Manifest } from "../contracts/manifest.ts";
import { type FieldPath, type RowValidation, validateRows } from "../inference/feature-validation.ts";
import { withModelSession } from "../inference/model-sessions.ts";
import { intervalLevels, predictRows, type RowPrediction } from "../inference/predictor.ts";
import { logPredictions } from "../monitoring/prediction-log.ts";
import type { PredictionRecord } from "../monitoring/prediction-record.ts";
import { sha256Bytes, toHex } from "../platform/digest.ts";
import { predictionIds } from "../platform/prediction-id.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { DomainError, problems } from "../problems/index.ts";
import { chooseVersion, type Route, type RouteDecision } from "../repository/choose-version.ts";
import { readManifest, requireModelRecord } from "../repository/registry-reader.ts";
import type { ModelRecord } from "../repository/registry-types.ts";
import { versionEntry } from "../repository/version-lookup.ts";
import { MAX_BATCH_ROWS } from "../vocabulary/index.ts";

/** The documented batch limit: rows per request, scored in one ORT call. */

interface PredictionRequest {
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
  /** The route the rows are logged (and their ids sealed) under, when not the serving route: "recommend". */
  logRoute?: "recommend";
}

export interface ServedPrediction extends RowPrediction {
  id: string;
}

interface PredictionResult {
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

function subjectOf(scope: RequestScope, manifest: Manifest, rows: unknown[]): string | null {
  if (scope.subjectHint) return scope.subjectHint;
  const first = rows[0];
  if (manifest.subject_feature && typeof first === "object" && first !== null) {
    const value = (first as Record<string, unknown>)[manifest.subject_feature];
    if (typeof value === "string" || typeof value === "number") return `${manifest.subject_feature}:${value}`;
  }
  const keyId = scope.caller.keyId;
  return keyId ? `key:${keyId}` : null;
}

function checkBatch(request: PredictionRequest): void {
  if (request.rows.length === 0) {
    throw problems.validation([{ field: request.batchField, message: "must contain at least one row" }]);
  }
  if (request.rows.length > MAX_BATCH_ROWS) {
    throw problems.validation([
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
    throw problems.validation([
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
  scope: RequestScope,
  manifest: Manifest,
  rows: Parameters<typeof predictRows>[2],
  route: PredictionRecord["route"],
  subject: string | null,
  intervalLevel: number | undefined,
  started: number,
): Promise<{ predictions: ServedPrediction[]; records: PredictionRecord[] }> {
  const scored = await withModelSession(scope.env.ARTIFACTS, manifest, async (session) => {
    try {
      return await predictRows(session, manifest, rows, intervalLevel);
    } catch (error) {
      throw problems.inferenceFailed(manifest.model, manifest.version, error);
    }
  });
  const base = await recordBase(scope, manifest.model, manifest.version, route, subject, started);
  // sealed ids carry what feedback needs (platform/prediction-id.ts)
  const ids = predictionIds(
    scope.env,
    scored.map((prediction) => ({
      ts: base.ts,
      model: base.model,
      version: base.version,
      route,
      output: prediction.output,
      label: prediction.label === null ? null : String(prediction.label),
      probabilities: prediction.probabilities ?? null,
      interval: prediction.interval,
    })),
  );
  const predictions = scored.map((prediction, index) => ({ ...prediction, id: ids[index] ?? "" }));
  const records = predictions.map(
    (prediction, index): PredictionRecord => ({
      ...base,
      id: prediction.id,
      inputs: rows[index] ?? {},
      output: prediction.output,
      label: prediction.label === null ? null : String(prediction.label),
      interval: prediction.interval,
      ...(prediction.probabilities ? { probabilities: prediction.probabilities } : {}),
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
  scope: RequestScope,
  model: string,
  version: string,
  route: PredictionRecord["route"],
  subject: string | null,
  started: number,
): Promise<RecordBase> {
  const ts = Date.now();
  return {
    ts,
    request_id: scope.requestId,
    model,
    version,
    route,
    subject_hash: subject ? await subjectHash(subject) : null,
    latency_ms: ts - started,
    colo: scope.colo,
    country: scope.country,
    key_id: scope.caller.keyId,
  };
}

/**
 * A request that reached a model version but failed on the server side (artifact or inference unavailable)
 * is logged once, without its payload, so the cron's per-request error rate sees it; drift and performance
 * read only `ok` rows.
 */
async function logFailure(
  scope: RequestScope,
  decision: RouteDecision & { model: string },
  subject: string | null,
  failure: DomainError,
  started: number,
): Promise<void> {
  const base = await recordBase(scope, decision.model, decision.version, decision.route, subject, started);
  const logged: PredictionRecord = {
    ...base,
    id: crypto.randomUUID(),
    inputs: {},
    output: null,
    label: null,
    interval: null,
    status: "error",
    error: `${failure.problem.status} ${failure.problem.slug}: ${failure.message}`.slice(0, 500),
  };
  logPredictions(scope.env.PREDICTION_LOG, scope.waitUntil, [logged], { env: scope.env, readManifest });
}

/** Hands served records to the log queue, off the critical path. */
export function logServedRecords(scope: RequestScope, records: PredictionRecord[]): void {
  logPredictions(scope.env.PREDICTION_LOG, scope.waitUntil, records, { env: scope.env, readManifest });
}

/**
 * Shadow versions see the same request after the response; their scores are logged, never returned. Each
 * validates the raw rows against its own manifest (a candidate may have different features); a shadow that
 * cannot score them is skipped and says so in the log.
 */
function scoreShadows(
  scope: RequestScope,
  record: ModelRecord,
  served: string,
  request: PredictionRequest,
  subject: string | null,
  started: number,
): void {
  for (const version of record.traffic.shadow) {
    if (version === served || versionEntry(record, version)?.status !== "active") continue;
    scope.waitUntil(
      (async () => {
        const manifest = await readManifest(scope.env.REGISTRY, record.name, version);
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
        const { records } = await scoreAndRecord(
          scope,
          manifest,
          rows,
          "shadow",
          subject,
          undefined,
          started,
        );
        logServedRecords(scope, records);
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
  throw problems.invalidRows(validation.errors, validation.omitted);
}

/**
 * The whole serving path shared by every predict-style adapter: resolve, route, validate, infer, log. The
 * adapter reports `version` and `route` of the result to its client (HTTP: X-Model-Version / X-Model-Route).
 */
export async function runPrediction(
  scope: RequestScope,
  request: PredictionRequest,
): Promise<PredictionResult> {
  const started = Date.now();
  checkBatch(request);
  const record = await requireModelRecord(scope.env.REGISTRY, request.model);
  const defaultManifest = await readManifest(scope.env.REGISTRY, record.name, record.default);
  const subject = subjectOf(scope, defaultManifest, request.rows);
  const decision = await chooseVersion(record, {
    explicitVersion: request.explicitVersion,
    ab: request.ab,
    subject,
  });
  try {
    const manifest =
      decision.version === record.default
        ? defaultManifest
        : await readManifest(scope.env.REGISTRY, record.name, decision.version);

    const validation = validateOrThrow(manifest, request);
    checkIntervalLevel(manifest, request);

    const { predictions, records } = await scoreAndRecord(
      scope,
      manifest,
      validation.rows,
      request.logRoute ?? decision.route,
      subject,
      request.intervalLevel,
      started,
    );
    if (!request.deferLogging) logServedRecords(scope, records);
    scoreShadows(scope, record, decision.version, request, subject, started);
    return { manifest, record, version: decision.version, route: decision.route, predictions, records };
  } catch (error) {
    // Server-side failures count against the model; a client's invalid rows (4xx) do not.
    if (error instanceof DomainError && error.serverSide) {
      await logFailure(scope, { ...decision, model: record.name }, subject, error, started);
    }
    throw error;
  }
}
