import { validateRows } from "../inference/feature-validation.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { problems } from "../problems/index.ts";
import { readManifest, requireModelRecord } from "../repository/registry-reader.ts";
import { logServedRecords, runPrediction } from "./prediction-service.ts";

interface RecommendRequest {
  /** The subject's features (everything the catalog does not provide). */
  user: Record<string, unknown>;
  k: number;
  /** Catalog keys never to return. */
  exclude: ReadonlyArray<string | number>;
  version?: string | undefined;
  ab?: boolean | undefined;
}

/** Scores the subject against every catalog item in one ORT call and returns the k best. */
export async function recommend(scope: RequestScope, model: string, body: RecommendRequest) {
  const record = await requireModelRecord(scope.env.REGISTRY, model);
  const manifest = await readManifest(scope.env.REGISTRY, model, record.default);
  const catalog = manifest.catalog;
  if (!catalog) throw problems.noCatalog(model);
  const itemFeatures = new Set(catalog.features);
  const userFeatures = manifest.features.filter((feature) => !itemFeatures.has(feature.name));
  const userCheck = validateRows({ features: userFeatures }, [body.user], (_row, name) => `user.${name}`);
  if (userCheck.errors.length > 0) throw problems.validation(userCheck.errors);

  const excluded = new Set(body.exclude.map(String));
  const items = catalog.items.filter((item) => !excluded.has(String(item[catalog.key])));
  if (items.length === 0)
    throw problems.validation([{ field: "exclude", message: "excludes every catalog item" }]);

  const result = await runPrediction(scope, {
    model,
    rows: items.map((item) => ({ ...body.user, ...item })),
    fieldPath: (row, name) => (itemFeatures.has(name) ? `catalog[${row}].${name}` : `user.${name}`),
    batchField: "catalog",
    explicitVersion: body.version,
    ab: body.ab,
    deferLogging: true,
    logRoute: "recommend",
  });
  const ranked = result.predictions
    .map((prediction, index) => ({ prediction, item: items[index] ?? {} }))
    .sort((a, b) => b.prediction.output - a.prediction.output)
    .slice(0, body.k);
  // Only the items returned are logged, as "recommend" rows: the rest of the catalog was never shown.
  const shown = new Set(ranked.map(({ prediction }) => prediction.id));
  logServedRecords(
    scope,
    result.records.filter((record) => shown.has(record.id)),
  );
  return {
    model,
    version: result.version,
    route: result.route,
    items: ranked.map(({ prediction, item }) => ({
      item,
      score: prediction.output,
      ...(prediction.interval ? { interval: prediction.interval } : {}),
      prediction_id: prediction.id,
    })),
  };
}
