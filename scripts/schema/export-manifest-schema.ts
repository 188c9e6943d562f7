import { writeFileSync } from "node:fs";
import { z } from "zod";
import { manifestSchema } from "../../worker/contracts/manifest.ts";
import * as vocabulary from "../../worker/vocabulary/index.ts";

/**
 * Writes the JSON Schema of the manifest (input side: defaults optional) and the shared vocabulary (tasks, scopes,
 * statuses, routes, engines, limits) for the Python training package, so each list is defined once, in worker/vocabulary.
 */
const manifestTarget = new URL("../../schemas/manifest.schema.json", import.meta.url);
const jsonSchema = z.toJSONSchema(manifestSchema, { io: "input", unrepresentable: "any" });
writeFileSync(manifestTarget, `${JSON.stringify({ title: "Model manifest", ...jsonSchema }, null, 2)}\n`);
console.log(`wrote ${manifestTarget.pathname}`);

const vocabularyTarget = new URL("../../schemas/vocabulary.json", import.meta.url);
const lists = {
  tasks: vocabulary.TASKS,
  scopes: vocabulary.SCOPES,
  serving_routes: vocabulary.SERVING_ROUTES,
  log_routes: vocabulary.LOG_ROUTES,
  health_statuses: vocabulary.HEALTH_STATUSES,
  version_statuses: vocabulary.VERSION_STATUSES,
  log_statuses: vocabulary.LOG_STATUSES,
  drift_statuses: vocabulary.DRIFT_STATUSES,
  engines: vocabulary.ENGINES,
  limits: { max_batch_rows: vocabulary.MAX_BATCH_ROWS, max_feedback_items: vocabulary.MAX_FEEDBACK_ITEMS },
};
writeFileSync(
  vocabularyTarget,
  `${JSON.stringify({ generated_from: "worker/vocabulary", ...lists }, null, 2)}\n`,
);
console.log(`wrote ${vocabularyTarget.pathname}`);
