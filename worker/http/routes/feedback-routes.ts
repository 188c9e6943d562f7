import { createRoute, z } from "@hono/zod-openapi";
import { slugSchema } from "../../contracts/manifest.ts";
import { recordFeedback } from "../../data-plane/feedback-service.ts";
import { ACTUAL_DESCRIPTION } from "../../tasks/index.ts";
import { MAX_FEEDBACK_ITEMS } from "../../vocabulary/index.ts";
import { createApiApp } from "../app-factory.ts";
import { requestScope } from "../request-scope.ts";
import { problemResponses } from "../schemas/problem-schema.ts";

/** The documented batch limit of feedback items per request. */

const actualSchema = z.union([z.number(), z.boolean(), z.string()]).openapi({
  description: ACTUAL_DESCRIPTION,
  example: 4,
});

/** Legacy (UUID) ids only: the model, when the prediction's log row may not have landed yet. */
const modelSchema = slugSchema.optional();

const PREDICTION_ID_DESCRIPTION =
  "The id from the predict response. A sealed id (`p1_…`, base64url, about 80–130 characters) carries the " +
  "prediction's model, version, time and output under an HMAC, so it is checked without a lookup (422 when it " +
  "does not verify); a legacy UUID id is looked up in the recent log sample.";

const predictionIdSchema = z.string().min(1).openapi({ description: PREDICTION_ID_DESCRIPTION });

const singleSchema = z
  .object({ actual: actualSchema, model: modelSchema })
  .openapi("Feedback", { example: { actual: 4 } });

const batchSchema = z
  .object({
    feedback: z
      .array(z.object({ prediction_id: predictionIdSchema, actual: actualSchema, model: modelSchema }))
      .min(1)
      .max(MAX_FEEDBACK_ITEMS),
  })
  .openapi("FeedbackBatch", { example: { feedback: [{ prediction_id: "p1_AQGa…", actual: 1 }] } });

const recordedSchema = z.object({
  prediction_id: z.string(),
  model: z.string(),
  version: z.string().nullable(),
  actual: z.number(),
});

export function feedbackRoutes() {
  const app = createApiApp();

  app.openapi(
    createRoute({
      method: "post",
      path: "/{id}/feedback",
      tags: ["monitoring"],
      summary: "Report the ground truth of one prediction (id from the predict response)",
      request: {
        params: z.object({ id: predictionIdSchema }),
        body: { required: true, content: { "application/json": { schema: singleSchema } } },
      },
      responses: {
        200: { description: "Recorded", content: { "application/json": { schema: recordedSchema } } },
        ...problemResponses(400, 401, 403, 404, 422, 503),
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const body = c.req.valid("json");
      const [recorded] = await recordFeedback(
        requestScope(c),
        [{ prediction_id: id, actual: body.actual, model: body.model }],
        (_index, name) => (name === "prediction_id" ? "id" : name),
      );
      if (!recorded) throw new Error("feedback not recorded");
      return c.json(recorded, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/feedback",
      tags: ["monitoring"],
      summary: `Report ground truth for up to ${MAX_FEEDBACK_ITEMS} predictions at once (all or nothing)`,
      request: { body: { required: true, content: { "application/json": { schema: batchSchema } } } },
      responses: {
        200: {
          description: "Recorded",
          content: {
            "application/json": {
              schema: z.object({ recorded: z.number().int(), items: z.array(recordedSchema) }),
            },
          },
        },
        ...problemResponses(400, 401, 403, 404, 422, 503),
      },
    }),
    async (c) => {
      const { feedback } = c.req.valid("json");
      const items = await recordFeedback(
        requestScope(c),
        feedback,
        (index, name) => `feedback[${index}].${name}`,
      );
      return c.json({ recorded: items.length, items }, 200);
    },
  );

  return app;
}
