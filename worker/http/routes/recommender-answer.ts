import { runPrediction } from "../../data-plane/prediction-service.ts";
import { isoSeconds } from "../../platform/iso-time.ts";
import type { RequestScope } from "../../platform/request-scope.ts";
import { problems } from "../../problems/index.ts";

/** The rating recommender seed's model name. */
export const RECOMMENDER_MODEL = "recommender";

/** The seed's per-request options that sit beside the features in a single-row body. */
const SEED_OPTIONS = new Set(["version_name", "enable_ab_testing", "interval_level"]);

const round4 = (value: number): number => Math.round(value * 10_000) / 10_000;

function parseFlag(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === true || value === "true" || value === "1" || value === 1) return true;
  if (value === false || value === "false" || value === "0" || value === 0) return false;
  throw problems.validation([{ field, message: "must be a boolean" }]);
}

function parseLevel(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const level = typeof value === "string" ? Number(value) : value;
  if (typeof level !== "number" || !Number.isFinite(level))
    throw problems.validation([{ field, message: "must be a number" }]);
  return level;
}

function parseVersion(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value.length === 0)
    throw problems.validation([{ field, message: "must be a version name" }]);
  return value;
}

/** POST /predict's query once its schema has checked it. */
interface RecommenderQuery {
  version_name?: string | undefined;
  enable_ab_testing?: string | undefined;
  interval_level?: string | undefined;
}

/**
 * POST /predict (rating seed): one row with optional version_name / enable_ab_testing / interval_level
 * beside the features (body first, then the query), or a batch (options from the query only). Rendered by
 * the Hono route and the fast path alike (worker/http/fast-path.ts).
 */
export async function recommenderAnswer(
  scope: RequestScope,
  body: Record<string, unknown> | Record<string, unknown>[],
  query: RecommenderQuery,
) {
  const batch = Array.isArray(body);
  const options: Record<string, unknown> = batch ? {} : body;
  const result = await runPrediction(scope, {
    model: RECOMMENDER_MODEL,
    rows: batch ? body : [body],
    fieldPath: batch ? (row, name) => `[${row}].${name}` : (_row, name) => name,
    batchField: "(body)",
    explicitVersion:
      parseVersion(options.version_name, "version_name") ??
      parseVersion(query.version_name, "query.version_name"),
    ab:
      parseFlag(options.enable_ab_testing, "enable_ab_testing") ??
      parseFlag(query.enable_ab_testing, "query.enable_ab_testing"),
    intervalLevel:
      parseLevel(options.interval_level, "interval_level") ??
      parseLevel(query.interval_level, "query.interval_level"),
    ignoredFields: SEED_OPTIONS,
  });
  const rows = result.predictions.map((prediction) => ({
    prediction_id: prediction.id,
    predicted_rating: round4(prediction.output),
    confidence_interval: prediction.interval && {
      level: prediction.interval.level,
      lower: round4(prediction.interval.lower),
      upper: round4(prediction.interval.upper),
    },
    ...(prediction.interval?.set ? { prediction_set: prediction.interval.set } : {}),
  }));
  const common = {
    model_version: result.version,
    routing: result.route,
    ab_testing: result.route === "ab",
    timestamp: isoSeconds(),
  };
  const headers = { "x-model-version": result.version, "x-model-route": result.route };
  const [first] = rows;
  if (batch || !first) return { headers, body: { predictions: rows, ...common } };
  return { headers, body: { ...first, ...common } };
}
