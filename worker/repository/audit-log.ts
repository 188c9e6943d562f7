import type { AuditEntry } from "./registry-store.ts";

export interface AuditRow {
  id: number;
  ts: string;
  actor: string;
  action: string;
  model: string | null;
  version: string | null;
  details: Record<string, unknown>;
  request_id: string | null;
}

interface AuditQuery {
  model?: string | undefined;
  action?: string | undefined;
  /** Entries with an id below this one (paging backwards). */
  before?: number | undefined;
  limit: number;
}

/** For changes outside the registry record (API keys); registry changes are audited in their own commit. */
export async function appendAudit(db: D1Database, model: string | null, entry: AuditEntry): Promise<void> {
  await db
    .prepare(
      "INSERT INTO audit_log (ts, actor, action, model, version, details, request_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(
      Date.now(),
      entry.actor,
      entry.action,
      model,
      entry.version ?? null,
      JSON.stringify(entry.details ?? {}),
      entry.requestId ?? null,
    )
    .run();
}

/** Newest first. */
export async function listAudit(db: D1Database, query: AuditQuery): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.model) {
    where.push("model = ?");
    params.push(query.model);
  }
  if (query.action) {
    where.push("action = ?");
    params.push(query.action);
  }
  if (query.before !== undefined) {
    where.push("id < ?");
    params.push(query.before);
  }
  const sql = `SELECT id, ts, actor, action, model, version, details, request_id FROM audit_log ${
    where.length ? `WHERE ${where.join(" AND ")}` : ""
  } ORDER BY id DESC LIMIT ?`;
  const rows = await db
    .prepare(sql)
    .bind(...params, query.limit)
    .all<Omit<AuditRow, "ts" | "details"> & { ts: number; details: string }>();
  return rows.results.map((row) => ({
    ...row,
    ts: new Date(row.ts).toISOString(),
    details: JSON.parse(row.details) as Record<string, unknown>,
  }));
}
