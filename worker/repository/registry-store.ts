import { classifyStoreFailure, describeStoreFailure, STORE_ROLES } from "../platform/store-failure.ts";
import { problems } from "../problems/index.ts";
import { listAllKeys } from "./kv-list-all.ts";
import { MODEL_PREFIX, modelKey } from "./registry-keys.ts";
import { invalidateRegistryCache } from "./registry-reader.ts";
import type { ModelRecord } from "./registry-types.ts";

/**
 * Registry writes. D1 is the write authority (`registry_models`, compare-and-set on `revision`); KV
 * `model:<name>` is a projection that serving reads at the edge. See docs/operations.md, "Consistency".
 */
export interface RegistryStoreEnv {
  DB: D1Database;
  REGISTRY: KVNamespace;
}

export interface AuditEntry {
  actor: string;
  action: string;
  version?: string | null;
  details?: Record<string, unknown>;
  requestId?: string | null;
}

/** Returns the changed record, or null when the change is a no-op (nothing is written or audited). */
type RegistryMutation = (current: ModelRecord | null) => ModelRecord | null;

export interface RegistryUpdate {
  record: ModelRecord | null;
  changed: boolean;
  /**
   * Always true in a returned update: when D1 committed but KV could not be written, `updateModelRecord`
   * throws 503 `store-unavailable` instead, and retrying the same change completes the projection.
   */
  projected: boolean;
}

const MAX_ATTEMPTS = 8;
const KV_ATTEMPTS = 5;

interface StoredRow {
  revision: number;
  record: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readRow(db: D1Database, model: string): Promise<StoredRow | null> {
  return db
    .prepare("SELECT revision, record FROM registry_models WHERE model = ?")
    .bind(model)
    .first<StoredRow>();
}

/**
 * The record a writer starts from. A record that exists only in KV (seeded by `npm start` before D1 knew
 * it, or written by an older release) is adopted, and so is a KV record with a higher revision than D1's,
 * so an out-of-band seed is never dropped by the next admin write.
 */
async function loadForWrite(
  env: RegistryStoreEnv,
  model: string,
): Promise<{
  base: ModelRecord | null;
  storedRevision: number | null;
  nextRevision: number;
  /** KV serves an older revision than D1 holds: an earlier projection failed. */
  kvBehind: boolean;
}> {
  const [row, projected] = await Promise.all([
    readRow(env.DB, model),
    env.REGISTRY.get<ModelRecord>(modelKey(model), "json"),
  ]);
  const stored = row ? (JSON.parse(row.record) as ModelRecord) : null;
  const base = projected && (!row || projected.revision > row.revision) ? projected : stored;
  const nextRevision = Math.max(row?.revision ?? 0, projected?.revision ?? 0) + 1;
  const kvBehind = row !== null && (projected?.revision ?? -1) < row.revision;
  return { base, storedRevision: row?.revision ?? null, nextRevision, kvBehind };
}

/** One D1 transaction: the conditional write and, only if it changed a row, its audit entry. */
async function commit(
  db: D1Database,
  storedRevision: number | null,
  record: ModelRecord,
  audit: AuditEntry,
  now: number,
): Promise<boolean> {
  const json = JSON.stringify(record);
  const write =
    storedRevision === null
      ? db
          .prepare(
            "INSERT INTO registry_models (model, revision, record, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(model) DO NOTHING",
          )
          .bind(record.name, record.revision, json, now)
      : db
          .prepare(
            "UPDATE registry_models SET revision = ?, record = ?, updated_at = ? WHERE model = ? AND revision = ?",
          )
          .bind(record.revision, json, now, record.name, storedRevision);
  // changes() is the row count of the previous statement on this connection: the batch's write.
  const log = db
    .prepare(
      "INSERT INTO audit_log (ts, actor, action, model, version, details, request_id) SELECT ?, ?, ?, ?, ?, ?, ? WHERE changes() = 1",
    )
    .bind(
      now,
      audit.actor,
      audit.action,
      record.name,
      audit.version ?? null,
      JSON.stringify({ ...audit.details, revision: record.revision }),
      audit.requestId ?? null,
    );
  const [written] = await db.batch([write, log]);
  return (written?.meta.changes ?? 0) === 1;
}

function isKvRateLimit(error: unknown): boolean {
  return /429|too many requests/i.test(String(error));
}

async function putWithRetry(kv: KVNamespace, key: string, value: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await kv.put(key, value);
      return;
    } catch (error) {
      // KV allows about one write per second per key.
      if (!isKvRateLimit(error) || attempt >= KV_ATTEMPTS) throw error;
      await sleep(1_100 * attempt);
    }
  }
}

/**
 * Copies the latest D1 record to KV. After each put it re-reads D1 and projects again if a concurrent
 * writer committed meanwhile, so the last put of all writers is always the latest revision.
 */
export async function syncModelRecord(env: RegistryStoreEnv, model: string): Promise<ModelRecord | null> {
  let row = await readRow(env.DB, model);
  for (let round = 0; row && round < MAX_ATTEMPTS; round += 1) {
    await putWithRetry(env.REGISTRY, modelKey(model), row.record);
    invalidateRegistryCache(model);
    const latest = await readRow(env.DB, model);
    if (!latest || latest.revision === row.revision) break;
    row = latest;
  }
  return row ? (JSON.parse(row.record) as ModelRecord) : null;
}

/**
 * Projects a committed change to KV, or throws 503 `store-unavailable` (store KV) naming the committed
 * revision: the change is in D1 and audited but not served yet, so the request does not claim success.
 * Retrying the same request finds its change already applied and completes the projection (see below).
 */
async function projectCommitted(env: RegistryStoreEnv, record: ModelRecord): Promise<void> {
  try {
    await syncModelRecord(env, record.name);
  } catch (error) {
    const failure = classifyStoreFailure(error);
    console.error(
      JSON.stringify({
        event: "registry_projection_failed",
        model: record.name,
        revision: record.revision,
        store: failure?.store ?? "KV",
        code: failure?.code ?? "UNKNOWN",
      }),
    );
    const state = failure ? describeStoreFailure(failure) : `${STORE_ROLES.KV} could not be written`;
    throw problems.storeUnavailable(
      failure?.store ?? "KV",
      `${state}. The change is committed and audited as revision ${record.revision} but not served yet; retrying the same request completes it (or POST /v1/admin/models/${record.name}/sync)`,
      { committed_revision: record.revision },
    );
  }
}

/**
 * Applies `mutate` to the latest record with optimistic concurrency: a writer that lost the race re-reads
 * and re-applies its change (so no update is lost), and gives up with 409 only under sustained contention.
 * A change whose KV projection fails is reported as 503 (never as success); a retry of it is a no-op in D1
 * that re-projects, because a no-op also projects whenever KV serves an older revision than D1 holds.
 */
export async function updateModelRecord(
  env: RegistryStoreEnv,
  model: string,
  mutate: RegistryMutation,
  audit: AuditEntry,
): Promise<RegistryUpdate> {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const { base, storedRevision, nextRevision, kvBehind } = await loadForWrite(env, model);
    const changed = mutate(base);
    if (!changed) {
      if (kvBehind && base) await projectCommitted(env, base);
      return { record: base, changed: false, projected: true };
    }
    const now = Date.now();
    const record: ModelRecord = {
      ...changed,
      name: model,
      revision: nextRevision,
      updated_at: new Date(now).toISOString(),
    };
    if (await commit(env.DB, storedRevision, record, audit, now)) {
      await projectCommitted(env, record);
      return { record, changed: true, projected: true };
    }
    await sleep(Math.random() * 20 * attempt);
  }
  throw problems.registryConflict(model);
}

/** The authoritative record for admin reads: D1, else (not yet written through the admin API) KV. */
export async function readAuthoritativeRecord(
  env: RegistryStoreEnv,
  model: string,
): Promise<ModelRecord | null> {
  const { base } = await loadForWrite(env, model);
  return base;
}

/** The revision KV currently serves (as this location sees it), to show propagation. */
export async function readProjectedRevision(kv: KVNamespace, model: string): Promise<number | null> {
  const record = await kv.get<ModelRecord>(modelKey(model), "json");
  return record?.revision ?? null;
}

/** Names of all models known to D1 or KV. */
export async function listRegistryModels(env: RegistryStoreEnv): Promise<string[]> {
  const names = new Set<string>();
  const rows = await env.DB.prepare("SELECT model FROM registry_models").all<{ model: string }>();
  for (const row of rows.results) names.add(row.model);
  for (const key of await listAllKeys(env.REGISTRY, MODEL_PREFIX))
    names.add(key.name.slice(MODEL_PREFIX.length));
  return [...names].sort();
}
