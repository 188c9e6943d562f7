import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { opsMetrics, opsReport } from "../worker/monitoring/ops-metrics.ts";
import type { PredictionRecord } from "../worker/monitoring/prediction-record.ts";
import { insertPredictionRecords } from "../worker/monitoring/store/prediction-log-writer.ts";
import { readWindow, type WindowRow } from "../worker/monitoring/store/window-reader.ts";

function row(requestId: string, overrides: Partial<WindowRow> = {}): WindowRow {
  return {
    id: `${requestId}-${Math.random()}`,
    ts: 0,
    requestId,
    version: "v1",
    route: "default",
    inputs: {},
    output: 1,
    latencyMs: 10,
    colo: null,
    status: "ok",
    actual: null,
    ...overrides,
  };
}

describe("ops metrics are per request", () => {
  it("counts distinct request ids, errors by request, one latency (the max) per request, rows apart", () => {
    const rows = [
      // one batch request of three rows
      row("batch", { latencyMs: 5 }),
      row("batch", { latencyMs: 40 }),
      row("batch", { latencyMs: 7 }),
      // two single requests, and one failed request (one error row)
      row("a", { latencyMs: 20 }),
      row("b", { latencyMs: 30 }),
      row("failed", { status: "error", output: null, latencyMs: 50 }),
    ];
    const ops = opsMetrics(rows);
    expect(ops).toMatchObject({ requests: 4, errors: 1, error_rate: 0.25, rows: 6 });
    // per-request latencies 40, 20, 30, 50 → median 35
    expect(ops.latency_ms.p50).toBe(35);
    expect(opsMetrics([])).toMatchObject({ requests: 0, errors: 0, error_rate: 0, rows: 0 });
  });

  it("keeps shadow scores out of the total but counts them per version and route", () => {
    const rows = [
      row("r1", { route: "ab", version: "v1" }),
      row("r1", { route: "shadow", version: "v2" }),
      row("r2", { route: "ab", version: "v3", colo: "FRA" }),
      row("r2", { route: "ab", version: "v3", colo: "FRA" }),
    ];
    const report = opsReport(rows);
    expect(report.total).toMatchObject({ requests: 2, rows: 3 });
    expect(report.by_version["v2 (shadow)"]).toMatchObject({ requests: 1, rows: 1 });
    expect(report.by_arm.v3).toMatchObject({ requests: 1, rows: 2 });
    expect(report.by_route.ab).toMatchObject({ requests: 2, rows: 3 });
    expect(report.by_colo.FRA).toMatchObject({ requests: 1, rows: 2 });
  });
});

describe("readWindow", () => {
  const record = (id: string, ts: number): PredictionRecord => ({
    id,
    ts,
    request_id: `req-${id}`,
    model: "window-reader-test",
    version: "v1",
    route: "default",
    subject_hash: null,
    inputs: { x: 1 },
    output: 1,
    label: null,
    interval: null,
    latency_ms: 1,
    colo: null,
    country: null,
    key_id: null,
    status: "ok",
    error: null,
  });

  it("keeps the newest rows when capped, returned oldest-first, across pages", async () => {
    const base = 1_000_000;
    // 2,500 rows (more than one 2,000-row page), two of them sharing a ts
    const records = Array.from({ length: 2500 }, (_, i) =>
      record(`w${String(i).padStart(5, "0")}`, base + i),
    );
    records.push(record("w-tie", base + 2499));
    await insertPredictionRecords(env.DB, records);

    const capped = await readWindow(env.DB, "window-reader-test", base, base + 10_000, 2100);
    expect(capped.total).toBe(2501);
    expect(capped.rows).toHaveLength(2100);
    expect(capped.rows.at(-1)?.ts).toBe(base + 2499);
    expect(capped.rows[0]?.ts).toBe(base + 2499 - 2099 + 1);
    const ts = capped.rows.map((r) => r.ts);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(new Set(capped.rows.map((r) => r.id)).size).toBe(2100);
    expect(capped.rows[0]?.requestId).toBe(`req-${capped.rows[0]?.id}`);

    const all = await readWindow(env.DB, "window-reader-test", base, base + 10_000);
    expect(all.rows).toHaveLength(2501);
    expect(all.rows[0]?.id).toBe("w00000");
  });
});
