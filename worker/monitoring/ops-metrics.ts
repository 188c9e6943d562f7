import { percentiles } from "./stats/summary-stats.ts";
import type { WindowRow } from "./store/window-reader.ts";

/**
 * Per request, not per row: a batch request logs one row per scored instance, a failed request one error
 * row. `requests` counts distinct request ids, `errors` those with an error row, and each request has one
 * latency (the max over its rows). `rows` keeps the row count.
 */
export interface OpsMetrics {
  requests: number;
  errors: number;
  error_rate: number;
  rows: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

interface RequestSummary {
  error: boolean;
  latencyMs: number;
}

/** One entry per distinct request id: failed when any of its rows is an error; latency = max over rows. */
export function byRequest(rows: readonly WindowRow[]): Map<string, RequestSummary> {
  const requests = new Map<string, RequestSummary>();
  for (const row of rows) {
    const seen = requests.get(row.requestId);
    const error = row.status === "error";
    if (seen) {
      seen.error ||= error;
      seen.latencyMs = Math.max(seen.latencyMs, row.latencyMs);
    } else requests.set(row.requestId, { error, latencyMs: row.latencyMs });
  }
  return requests;
}

export function opsMetrics(rows: readonly WindowRow[]): OpsMetrics {
  const requests = [...byRequest(rows).values()];
  const errors = requests.filter((request) => request.error).length;
  return {
    requests: requests.length,
    errors,
    error_rate: requests.length ? errors / requests.length : 0,
    rows: rows.length,
    latency_ms: percentiles(requests.map((request) => request.latencyMs)),
  };
}

export function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const name = key(row);
    const group = groups.get(name);
    if (group) group.push(row);
    else groups.set(name, [row]);
  }
  return new Map([...groups].sort(([a], [b]) => a.localeCompare(b)));
}

function opsBy(rows: readonly WindowRow[], key: (row: WindowRow) => string): Record<string, OpsMetrics> {
  return Object.fromEntries([...groupBy(rows, key)].map(([name, group]) => [name, opsMetrics(group)]));
}

/**
 * Ops per model (served requests), per version and per route (shadow scores included there), per A/B arm
 * (requests routed by A/B: arm = version) and per colo.
 */
export function opsReport(rows: readonly WindowRow[]) {
  const served = rows.filter((row) => row.route !== "shadow");
  return {
    total: opsMetrics(served),
    by_version: opsBy(rows, (row) => (row.route === "shadow" ? `${row.version} (shadow)` : row.version)),
    by_route: opsBy(rows, (row) => row.route),
    by_arm: opsBy(
      served.filter((row) => row.route === "ab"),
      (row) => row.version,
    ),
    by_colo: opsBy(served, (row) => row.colo ?? "unknown"),
  };
}
