import { z } from "@hono/zod-openapi";
import type { registryView } from "../../data-plane/registry-admin-service.ts";
import { driftMethodsSchema } from "../../monitoring/drift/method-choice-schema.ts";
import type { AuditRow } from "../../repository/audit-log.ts";
import type { ApiKeyRecord } from "../../repository/registry-types.ts";
import { PERFORMANCE_BAR_NAMES, type PerformanceBarName } from "../../tasks/index.ts";
import { ENGINES, SCOPES, VERSION_STATUSES } from "../../vocabulary/index.ts";

/** Admin responses. The `*Check` types fail to compile when the builders return what these do not describe. */
export const apiKeySchema = z
  .object({
    id: z.string(),
    name: z.string().optional(),
    scopes: z.array(z.enum(SCOPES)),
    created_at: z.string(),
    revoked_at: z.string().optional(),
  })
  .openapi("ApiKey");
export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().openapi({ description: "Shown once" }), note: z.string() })
  .openapi("CreatedApiKey");
export const apiKeysSchema = z.object({ keys: z.array(apiKeySchema) }).openapi("ApiKeys");

/** Every task's performance bars (rmse_max, auc_min, …), each optional. */
const performanceBarsView = Object.fromEntries(
  PERFORMANCE_BAR_NAMES.map((name) => [name, z.number().optional()]),
) as { [Bar in PerformanceBarName]: z.ZodOptional<z.ZodNumber> };

export const registryViewSchema = z
  .object({
    model: z.string().optional(),
    default_version: z.string().optional(),
    previous_defaults: z.array(z.string()),
    versions: z.record(
      z.string(),
      z.object({
        status: z.enum(VERSION_STATUSES),
        sha256: z.string(),
        bytes: z.number(),
        published_at: z.string(),
        engine: z.enum(ENGINES).optional(),
        compiled: z
          .object({
            format_version: z.number(),
            sha256: z.string(),
            bytes: z.number(),
            retained_bytes: z.number(),
          })
          .optional(),
      }),
    ),
    traffic: z
      .object({
        weights: z.record(z.string(), z.number()),
        shadow: z.array(z.string()),
        salt: z.string(),
        effective_at: z.string(),
      })
      .optional(),
    thresholds: z
      .object({
        psi_warn: z.number(),
        psi_drift: z.number(),
        p_value: z.number(),
        dataset_drift_share: z.number(),
        ...performanceBarsView,
        error_rate_max: z.number(),
        min_feedback: z.number(),
        window_hours: z.number(),
        drift_methods: driftMethodsSchema.optional(),
      })
      .optional(),
    revision: z.number().optional(),
    updated_at: z.string().optional(),
    changed: z.boolean().optional(),
    propagation: z.string().optional(),
    kv_revision: z.number().nullable().optional(),
  })
  .openapi("RegistryRecord");
export const registryListSchema = z.object({ models: z.array(registryViewSchema) }).openapi("Registry");
export const publishResponseSchema = z
  .object({
    status: z.enum(["created", "unchanged"]).or(z.string()),
    model: z.string(),
    version: z.string(),
    verification: z.looseObject({}),
    registry: registryViewSchema,
  })
  .openapi("PublishResponse");

type Fits<Schema extends z.ZodType, Built extends z.input<Schema>> = Built;
type _ApiKeyCheck = Fits<typeof apiKeySchema, ApiKeyRecord>;
type _RegistryViewCheck = Fits<typeof registryViewSchema, ReturnType<typeof registryView>>;

const auditEntrySchema = z
  .object({
    id: z.number(),
    ts: z.string(),
    actor: z.string(),
    action: z.string(),
    model: z.string().nullable(),
    version: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    request_id: z.string().nullable(),
  })
  .openapi("AuditEntry");
export const auditPageSchema = z
  .object({
    entries: z.array(auditEntrySchema),
    next_before: z.number().nullable().openapi({ description: "Pass as before= for the next page" }),
  })
  .openapi("AuditPage");
type _AuditEntryCheck = Fits<typeof auditEntrySchema, AuditRow>;
