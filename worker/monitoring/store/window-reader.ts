import { and, count, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { LogRoute, LogStatus } from "../../vocabulary/index.ts";
import { feedbackKeySql } from "./feedback-store.ts";
import { feedback, predictions } from "./schema.ts";

/** One logged row of a monitoring window, with its ground truth when feedback arrived. */
export interface WindowRow {
  id: string;
  ts: number;
  requestId: string;
  version: string;
  route: LogRoute;
  inputs: Record<string, unknown>;
  output: number | null;
  /** The predicted label; multiclass: the predicted class (always read from D1, optional for hand-built rows). */
  label?: string | null;
  /** Multiclass: every class probability in the manifest's class order. */
  probabilities?: number[] | null;
  /** Regression: the served interval's level and bounds as logged (null when none was answered). */
  intervalLevel?: number | null;
  intervalLower?: number | null;
  intervalUpper?: number | null;
  latencyMs: number;
  colo: string | null;
  status: LogStatus;
  actual: number | null;
}

/** The columns of a WindowRow: the sampled row and its feedback's actual. */
const ROW_FIELDS = {
  id: predictions.id,
  ts: predictions.ts,
  requestId: predictions.requestId,
  version: predictions.version,
  route: predictions.route,
  inputs: predictions.inputs,
  output: predictions.output,
  label: predictions.label,
  probabilities: predictions.probabilities,
  intervalLevel: predictions.intervalLevel,
  intervalLower: predictions.intervalLower,
  intervalUpper: predictions.intervalUpper,
  latencyMs: predictions.latencyMs,
  colo: predictions.colo,
  status: predictions.status,
  actual: feedback.actual,
};

const PAGE = 2000;
/** Rows read per model and window at most (the newest are kept). */
const MAX_WINDOW_ROWS = 50_000;

/**
 * Since issue 9 the `predictions` table holds a bounded recent SAMPLE of the log (worker/monitoring/log-sample.ts:
 * every row at low traffic, a deterministic hash sample under a rows-per-hour budget above it); monitoring
 * figures come from the summaries. These readers serve what needs rows: drill-down, the regression scatter,
 * baseline skill and legacy-id feedback.
 */

/**
 * The newest `limit` rows of `model` with start ≤ ts < end, read newest-first in (ts, id) order so the cap
 * keeps the most recent traffic, and returned oldest-first. The order is total, so a rerun sees the same rows.
 */
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
    const before: SQL | undefined = cursor
      ? or(lt(predictions.ts, cursor.ts), and(eq(predictions.ts, cursor.ts), lt(predictions.id, cursor.id)))
      : undefined;
    const page: WindowRow[] = await orm
      .select(ROW_FIELDS)
      .from(predictions)
      .leftJoin(feedback, eq(feedback.predictionId, feedbackKeySql(predictions.id)))
      .where(before ? and(inWindow, before) : inWindow)
      .orderBy(desc(predictions.ts), desc(predictions.id))
      .limit(Math.min(PAGE, limit - rows.length));
    rows.push(...page);
    const last: WindowRow | undefined = page.at(-1);
    if (!last || page.length < PAGE) break;
    cursor = { ts: last.ts, id: last.id };
  }
  return { rows: rows.reverse(), total: counted?.total ?? rows.length };
}

/**
 * The newest `limit` (≤ 2000) sampled rows of `model` with start ≤ ts < end, oldest first, in one indexed
 * query with no count: its cost is `limit` rows (and their feedback lookups) whatever the traffic.
 */
export async function readRecentRows(
  db: D1Database,
  model: string,
  start: number,
  end: number,
  limit: number,
): Promise<WindowRow[]> {
  const orm = drizzle(db);
  const inWindow = and(eq(predictions.model, model), gte(predictions.ts, start), lt(predictions.ts, end));
  const rows: WindowRow[] = await orm
    .select(ROW_FIELDS)
    .from(predictions)
    .leftJoin(feedback, eq(feedback.predictionId, feedbackKeySql(predictions.id)))
    .where(inWindow)
    .orderBy(desc(predictions.ts), desc(predictions.id))
    .limit(Math.min(PAGE, limit));
  return rows.reverse();
}
