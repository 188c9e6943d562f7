import { sql } from "drizzle-orm";
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
    /**
     * 1: the row's record is counted in the monitoring summaries (written by ingest). NULL: a row logged
     * before summaries existed, to be folded by the migration command (scripts/monitoring/migrate-summaries.ts),
     * which sets 1 in the same transaction.
     */
    summarised: integer("summarised"),
  },
  (table) => [
    index("predictions_model_ts").on(table.model, table.ts),
    // the migration's pages: only rows not yet folded (empty once migrated)
    index("predictions_unsummarised").on(table.ts, table.id).where(sql`summarised IS NULL`),
    index("predictions_model_version_ts").on(table.model, table.version, table.ts),
    // retention prunes by ts alone
    index("predictions_ts").on(table.ts),
  ],
);

/**
 * Ground truth for a prediction; one per prediction id (a later submission replaces the earlier). Keyed by
 * feedbackKey(id) (feedback-store.ts): a sealed id by `p1_` + the 22 characters of its MAC (25 bytes, not
 * the ~80–130-character id; migration 0006 re-keyed older rows), a legacy id as it is.
 */
export const feedback = sqliteTable(
  "feedback",
  {
    predictionId: text("prediction_id").primaryKey(),
    model: text("model").notNull(),
    actual: real("actual").notNull(),
    ts: integer("ts").notNull(),
    keyId: text("key_id"),
    /** Bumped by each replacement (conditional upsert): the labelled delta's dedupe key names it. */
    revision: integer("revision").notNull().default(0),
    /** The prediction's version (from a sealed id); null for rows written before migration 0004. */
    version: text("version"),
  },
  // retention prunes by ts; no read goes by model (reports read summaries), so no (model, ts) index (0006)
  (table) => [index("feedback_ts").on(table.ts)],
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

/**
 * Monitoring summaries (worker/monitoring/summary/): mergeable counts of the records of one key (model,
 * version, route, bucket). The consumer appends `partial` rows (one per key per queue batch, plus labelled
 * deltas from feedback); the cron merges a key's partials into its one `compact` row (conditional on
 * `revision`, the merged partials deleted in the same transaction) and fine (5 min) buckets older than 26 h
 * into coarse (1 h) ones. A key's value is its compact row merged with its partial rows.
 */
export const monitoringSummaries = sqliteTable(
  "monitoring_summaries",
  {
    /** Compact: "c|<key id>"; partial: "p|<key id>|<dedupe key>". */
    id: text("id").primaryKey(),
    model: text("model").notNull(),
    version: text("version").notNull(),
    route: text("route", { enum: LOG_ROUTES }).notNull(),
    bucketStart: integer("bucket_start").notNull(),
    bucketMs: integer("bucket_ms").notNull(),
    kind: text("kind", { enum: ["partial", "compact"] }).notNull(),
    /** Compact rows: bumped by every compaction that rewrites the row (partials: 0, never updated). */
    revision: integer("revision").notNull().default(0),
    /** The compaction that last wrote this compact row (random token: its partials are deleted only if it won). */
    writer: text("writer"),
    /** Records folded into the summary (0 for labelled-delta rows): the log-sample rate reads it. */
    records: integer("records").notNull(),
    summary: text("summary").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (table) => [
    index("monitoring_summaries_model_bucket").on(table.model, table.bucketStart),
    // the cron finds partial rows and old fine buckets without scanning compact rows of recent buckets
    index("monitoring_summaries_kind_bucket").on(table.kind, table.bucketMs, table.bucketStart),
    // retention prunes by bucket alone
    index("monitoring_summaries_bucket").on(table.bucketStart),
  ],
);

/**
 * Dedupe keys of ingested units (queue message ids, spill object keys, feedback deltas), written in the same
 * transaction as their summary rows: a redelivered unit finds its key and is skipped. Pruned after
 * DEDUPE_RETENTION_DAYS (store/retention.ts), longer than any redelivery or spill re-drive.
 */
export const ingestedMessages = sqliteTable(
  "ingested_messages",
  {
    messageId: text("message_id").primaryKey(),
    ts: integer("ts").notNull(),
  },
  (table) => [index("ingested_messages_ts").on(table.ts)],
);
