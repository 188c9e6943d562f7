import { and, asc, count, eq, gt, gte, lt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { feedback, predictions } from "./schema.ts";

/** One logged row of a monitoring window, with its ground truth when feedback arrived. */
export interface WindowRow {
  id: string;
  ts: number;
  version: string;
  route: "explicit" | "default" | "ab" | "shadow";
  inputs: Record<string, unknown>;
  output: number | null;
  latencyMs: number;
  colo: string | null;
  status: "ok" | "error";
  actual: number | null;
}

const PAGE = 2000;
/** Rows analysed per model and window; beyond it the report says `sampled` (first rows by time). */
export const MAX_WINDOW_ROWS = 50_000;

/** Rows of `model` with start ≤ ts < end, in (ts, id) order: deterministic, so a rerun sees the same rows. */
export async function readWindow(
  db: D1Database,
  model: string,
  start: number,
  end: number,
  limit = MAX_WINDOW_ROWS,
): Promise<{ rows: WindowRow[]; total: number }> {
  const orm = drizzle(db);
  const inWindow = and(eq(predictions.model, model), gte(predictions.ts, start), lt(predictions.ts, end));
  const [counted] = await orm.select({ total: count() }).from(predictions).where(inWindow);
  const rows: WindowRow[] = [];
  let cursor: { ts: number; id: string } | null = null;
  while (rows.length < limit) {
    const after: SQL | undefined = cursor
      ? or(gt(predictions.ts, cursor.ts), and(eq(predictions.ts, cursor.ts), gt(predictions.id, cursor.id)))
      : undefined;
    const page: WindowRow[] = await orm
      .select({
        id: predictions.id,
        ts: predictions.ts,
        version: predictions.version,
        route: predictions.route,
        inputs: predictions.inputs,
        output: predictions.output,
        latencyMs: predictions.latencyMs,
        colo: predictions.colo,
        status: predictions.status,
        actual: feedback.actual,
      })
      .from(predictions)
      .leftJoin(feedback, eq(feedback.predictionId, predictions.id))
      .where(after ? and(inWindow, after) : inWindow)
      .orderBy(asc(predictions.ts), asc(predictions.id))
      .limit(Math.min(PAGE, limit - rows.length));
    rows.push(...page);
    const last: WindowRow | undefined = page.at(-1);
    if (!last || page.length < PAGE) break;
    cursor = { ts: last.ts, id: last.id };
  }
  return { rows, total: counted?.total ?? rows.length };
}
