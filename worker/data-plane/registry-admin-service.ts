import { actorOf } from "../auth/auth-context.ts";
import type { RequestScope } from "../platform/request-scope.ts";
import { promote } from "../repository/registry-mutations.ts";
import { requireRecord } from "../repository/registry-reader.ts";
import { type AuditEntry, type RegistryUpdate, updateModelRecord } from "../repository/registry-store.ts";
import type { ModelRecord } from "../repository/registry-types.ts";

/** Who acts, for the audit log: the credential kind and key id, never the secret. */
export function auditContext(
  scope: Pick<RequestScope, "caller" | "requestId">,
): Omit<AuditEntry, "action" | "version" | "details"> {
  return { actor: actorOf(scope.caller), requestId: scope.requestId };
}

/**
 * Applies a change to an existing model's record, audited as `action`. `change` may add to `details`
 * (e.g. the default it replaced): they are written with the audit entry of the attempt that commits.
 */
export function changeModel(
  scope: RequestScope,
  model: string,
  action: string,
  version: string | null,
  change: (record: ModelRecord, now: string, details: Record<string, unknown>) => ModelRecord | null,
): Promise<RegistryUpdate> {
  const now = new Date().toISOString();
  const details: Record<string, unknown> = {};
  return updateModelRecord(
    scope.env,
    model,
    (current) => change(requireRecord(current, model), now, details),
    {
      ...auditContext(scope),
      action,
      version,
      details,
    },
  );
}

/** Promote: the admin API and the seed's `POST /load_version/{version_name}` both come here. */
export const promoteVersion = (
  scope: RequestScope,
  model: string,
  version: string,
): Promise<RegistryUpdate> =>
  changeModel(scope, model, "promote", version, (record, now, details) => {
    details.from = record.default;
    return promote(record, version, now);
  });

export function registryView(
  record: ModelRecord | null,
  update?: Pick<RegistryUpdate, "changed" | "projected">,
) {
  return {
    model: record?.name,
    default_version: record?.default,
    previous_defaults: record?.previous_defaults ?? [],
    versions: record?.versions ?? {},
    traffic: record?.traffic,
    thresholds: record?.thresholds,
    revision: record?.revision,
    updated_at: record?.updated_at,
    ...(update
      ? {
          changed: update.changed,
          propagation: update.projected
            ? "Written to D1 and KV; this location serves it now, other locations within ~60 s."
            : "Written to D1; the KV projection failed and will be retried by the next write or POST …/sync.",
        }
      : {}),
  };
}
