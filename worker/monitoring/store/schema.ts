import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { HEALTH_STATUSES, LOG_ROUTES, LOG_STATUSES } from "../../vocabulary/index.ts";

/** One row per scored row: served predictions, shadow scores (route "shadow"), recommended items ("recommend"). */
export const predictions = sqliteTable(
  "predictions",
  {
    id: text("id").primaryKey(),
    ts: integer("ts").notNull(),
    requestId: text("request_id").notNull(),
    model: text("model").notNull(),
    version: text("version").notNull(),
    route: text("route", { enum: LOG_ROUTES }).notNull(),
    subjectHash: text("subject_hash"),
    inputs: text("inputs", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    output: real("output"),
    label: text("label"),
    /** Multiclass: every class probability, in the manifest's class order (null for other tasks). */
    probabilities: text("probabilities", { mode: "json" }).$type<number[]>(),
    intervalLevel: real("interval_level"),
    intervalLower: real("interval_lower"),
    intervalUpper: real("interval_upper"),
    latencyMs: real("latency_ms").notNull(),
    colo: text("colo"),
    country: text("country"),
    keyId: text("key_id"),
    status: text("status", { enum: LOG_STATUSES }).notNull(),
    error: text("error"),
  },
  (table) => [
    index("predictions_model_ts").on(table.model, table.ts),
    index("predictions_model_version_ts").on(table.model, table.version, table.ts),
    // retention prunes by ts alone
    index("predictions_ts").on(table.ts),
  ],
);

/** Ground truth for a prediction; one per prediction id (a later submission replaces the earlier). */
export const feedback = sqliteTable(
  "feedback",
  {
    predictionId: text("prediction_id").primaryKey(),
    model: text("model").notNull(),
    actual: real("actual").notNull(),
    ts: integer("ts").notNull(),
    keyId: text("key_id"),
  },
  (table) => [index("feedback_model_ts").on(table.model, table.ts), index("feedback_ts").on(table.ts)],
);

/** Cron output: one report per model and window, rewritten idempotently when the window is recomputed. */
export const healthReports = sqliteTable(
  "health_reports",
  {
    id: text("id").primaryKey(),
    model: text("model").notNull(),
    windowStart: integer("window_start").notNull(),
    windowEnd: integer("window_end").notNull(),
    generatedAt: integer("generated_at").notNull(),
    status: text("status", { enum: HEALTH_STATUSES }).notNull(),
    report: text("report", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    r2Key: text("r2_key"),
  },
  (table) => [
    uniqueIndex("health_reports_model_window").on(table.model, table.windowStart, table.windowEnd),
    index("health_reports_model_generated").on(table.model, table.generatedAt),
  ],
);

/** Who changed what in the registry, and when. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    ts: integer("ts").notNull(),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    model: text("model"),
    version: text("version"),
    details: text("details", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    requestId: text("request_id"),
  },
  (table) => [index("audit_log_model_ts").on(table.model, table.ts)],
);

/**
 * The write authority of the model registry: KV has no compare-and-set, so every registry change is a
 * conditional UPDATE on `revision` here, then projected to KV `model:<name>` where reads are served.
 */
export const registryModels = sqliteTable("registry_models", {
  model: text("model").primaryKey(),
  revision: integer("revision").notNull(),
  record: text("record").notNull(),
  updatedAt: integer("updated_at").notNull(),
});
