import { creditDecision } from "../../data-plane/credit-decision.ts";
import { runPrediction } from "../../data-plane/prediction-service.ts";
import { toRowPredictionView } from "../../data-plane/prediction-views.ts";
import { isoSeconds } from "../../platform/iso-time.ts";
import type { RequestScope } from "../../platform/request-scope.ts";
import type { SeedLanguage } from "../middleware/seed-language.ts";

// The prediction operations' answers without an HTTP framework: a 200 body and the headers that go with it.
// The Hono routes and the fast path (worker/http/fast-path.ts) both render these, so they cannot drift.

/** The KrediPusula seed's model name (its routes serve only this one). */
export const CREDIT_MODEL = "kredipusula";

const servedHeaders = (served: { version: string; route: string }): Record<string, string> => ({
  "x-model-version": served.version,
  "x-model-route": served.route,
});

/** POST /api/v1/predict: one application in, the seed's decision out. */
export async function creditAnswer(
  scope: RequestScope,
  row: Record<string, unknown>,
  language: SeedLanguage,
) {
  const result = await runPrediction(scope, {
    model: CREDIT_MODEL,
    rows: [row],
    fieldPath: (_row, name) => name,
    batchField: "(body)",
  });
  const [prediction] = result.predictions;
  if (!prediction) throw new Error("prediction missing");
  return {
    headers: {
      ...servedHeaders(result),
      "x-prediction-id": prediction.id,
      "content-language": language,
    },
    body: { ...creditDecision(result.manifest, prediction.output, language), timestamp: isoSeconds() },
  };
}

/** The body of POST /v1/models/{model}/predict once its schema has checked it. */
interface ModelPredictBody {
  inputs?: Record<string, unknown> | undefined;
  instances?: Record<string, unknown>[] | undefined;
  version?: string | undefined;
  ab?: boolean | undefined;
  interval_level?: number | undefined;
}

/** POST /v1/models/{model}/predict: one row (`inputs`) or a batch (`instances`). */
export async function modelPredictAnswer(scope: RequestScope, model: string, body: ModelPredictBody) {
  const single = body.inputs !== undefined;
  const result = await runPrediction(scope, {
    model,
    rows: single ? [body.inputs] : (body.instances ?? []),
    fieldPath: single ? (_row, name) => `inputs.${name}` : (row, name) => `instances[${row}].${name}`,
    batchField: "instances",
    explicitVersion: body.version,
    ab: body.ab,
    intervalLevel: body.interval_level,
  });
  return {
    headers: servedHeaders(result),
    body: {
      model,
      version: result.version,
      route: result.route,
      task: result.manifest.task,
      predictions: result.predictions.map((prediction) => toRowPredictionView(result.manifest, prediction)),
    },
  };
}
