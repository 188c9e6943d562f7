import { createScheduledController, env } from "cloudflare:test";
import worker from "../../worker/index.ts";
import traffic from "../fixtures/monitoring/replay-traffic.json";

export type Row = Record<string, number | string>;

/** Rows (and their ground truth) of one replay seed: scripts/monitoring/replay-fixtures.py. */
export function replayRows(
  model: "recommender" | "kredipusula",
  seed: string,
): { rows: Row[]; actuals: number[] } {
  const columns = (traffic[model] as Record<string, Record<string, (number | string)[]>>)[seed];
  if (!columns) throw new Error(`no replay seed ${model}/${seed}`);
  const names = Object.keys(columns).filter((name) => name !== "__actual__");
  const actuals = (columns.__actual__ ?? []) as number[];
  const rows = actuals.map((_, index) =>
    Object.fromEntries(names.map((name) => [name, columns[name]?.[index] as number | string])),
  );
  return { rows, actuals };
}

/** Waits until every id has its row in D1 (the log goes through the queue, so it lands a moment later). */
export async function waitForLogged(ids: readonly string[], timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let found = 0;
  while (Date.now() < deadline) {
    found = 0;
    for (let start = 0; start < ids.length; start += 100) {
      const chunk = ids.slice(start, start + 100);
      const row = await env.DB.prepare(
        `SELECT count(*) AS n FROM predictions WHERE id IN (${chunk.map(() => "?").join(",")})`,
      )
        .bind(...chunk)
        .first<{ n: number }>();
      found += row?.n ?? 0;
    }
    if (found >= ids.length) return found;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return found;
}

/** Runs the Worker's real `scheduled` handler to completion; a failing run rejects (the handler returns its promise). */
export async function runCron(scheduledTime: number): Promise<void> {
  const controller = createScheduledController({ scheduledTime, cron: "*/15 * * * *" });
  await worker.scheduled(controller, env);
}
