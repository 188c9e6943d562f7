import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { ProblemError, validationProblem } from "../http/problem.ts";
import type { recommendRequestSchema } from "../http/schemas/prediction-schemas.ts";
import { validateRows } from "../inference/feature-validation.ts";
import type { AppEnv } from "../platform/env.ts";
import { readManifest, requireModelRecord } from "../repository/registry-reader.ts";
import { logServedRecords, runPrediction } from "./prediction-service.ts";

type RecommendRequest = z.infer<typeof recommendRequestSchema>;

/** Scores the subject against every catalog item in one ORT call and returns the k best. */
export async function recommend(c: Context<AppEnv>, model: string, body: RecommendRequest) {
  const record = await requireModelRecord(c.env.REGISTRY, model);
  const manifest = await readManifest(c.env.REGISTRY, model, record.default);
  const catalog = manifest.catalog;
  if (!catalog) {
    throw new ProblemError({
      status: 404,
      type: "no-catalog",
      title: "No item catalog",
      detail: `Model "${model}" ships no item catalog, so it cannot recommend.`,
    });
  }
  const itemFeatures = new Set(catalog.features);
  const userFeatures = manifest.features.filter((feature) => !itemFeatures.has(feature.name));
  const userCheck = validateRows({ features: userFeatures }, [body.user], (_row, name) => `user.${name}`);
  if (userCheck.errors.length > 0) throw validationProblem(userCheck.errors);

  const excluded = new Set(body.exclude.map(String));
  const items = catalog.items.filter((item) => !excluded.has(String(item[catalog.key])));
  if (items.length === 0)
    throw validationProblem([{ field: "exclude", message: "excludes every catalog item" }]);

  const result = await runPrediction(c, {
    model,
    rows: items.map((item) => ({ ...body.user, ...item })),
    fieldPath: (row, name) => (itemFeatures.has(name) ? `catalog[${row}].${name}` : `user.${name}`),
    batchField: "catalog",
    explicitVersion: body.version,
    ab: body.ab,
    deferLogging: true,
  });
  const ranked = result.predictions
    .map((prediction, index) => ({ prediction, item: items[index] ?? {} }))
    .sort((a, b) => b.prediction.output - a.prediction.output)
    .slice(0, body.k);
  // Only the items returned are logged, as "recommend" rows: the rest of the catalog was never shown.
  const shown = new Set(ranked.map(({ prediction }) => prediction.id));
  logServedRecords(
    c,
    result.records
      .filter((record) => shown.has(record.id))
      .map((record) => ({ ...record, route: "recommend" as const })),
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
