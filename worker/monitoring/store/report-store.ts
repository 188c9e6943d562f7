import { and, desc, eq, lt } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { healthReports } from "./schema.ts";

type HealthReportRow = typeof healthReports.$inferSelect;

export const reportId = (model: string, windowEnd: number) => `${model}:${windowEnd}`;

/** Idempotent: the id is (model, window end), so recomputing a window overwrites its row. */
export async function saveReport(db: D1Database, row: HealthReportRow): Promise<void> {
  await drizzle(db)
    .insert(healthReports)
    .values(row)
    .onConflictDoUpdate({
      target: healthReports.id,
      set: {
        generatedAt: row.generatedAt,
        status: row.status,
        report: row.report,
        r2Key: row.r2Key,
        windowStart: row.windowStart,
      },
    });
}

export async function readReport(db: D1Database, id: string): Promise<HealthReportRow | null> {
  const [row] = await drizzle(db).select().from(healthReports).where(eq(healthReports.id, id)).limit(1);
  return row ?? null;
}

/** The newest report of a model, optionally the newest whose window ended before `before`. */
export async function latestReport(
  db: D1Database,
  model: string,
  before?: number,
): Promise<HealthReportRow | null> {
  const [row] = await listReports(db, model, 1, before);
  return row ?? null;
}

export async function listReports(
  db: D1Database,
  model: string,
  limit: number,
  before?: number,
): Promise<HealthReportRow[]> {
  const where =
    before === undefined
      ? eq(healthReports.model, model)
      : and(eq(healthReports.model, model), lt(healthReports.windowEnd, before));
  return drizzle(db)
    .select()
    .from(healthReports)
    .where(where)
    .orderBy(desc(healthReports.windowEnd))
    .limit(limit);
}
