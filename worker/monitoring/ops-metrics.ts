import type { WindowRow } from "../db/window-reader.ts";
import { percentiles } from "./stats/summary-stats.ts";

export interface OpsMetrics {
  requests: number;
  errors: number;
  error_rate: number;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
}

export function opsMetrics(rows: readonly WindowRow[]): OpsMetrics {
  const errors = rows.filter((row) => row.status === "error").length;
  return {
    requests: rows.length,
    errors,
    error_rate: rows.length ? errors / rows.length : 0,
    latency_ms: percentiles(rows.map((row) => row.latencyMs)),
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

export function opsBy(
  rows: readonly WindowRow[],
  key: (row: WindowRow) => string,
): Record<string, OpsMetrics> {
  return Object.fromEntries([...groupBy(rows, key)].map(([name, group]) => [name, opsMetrics(group)]));
}

/**
 * Ops per model (served rows), per version and per route (shadow scores included there), per A/B arm
 * (rows routed by A/B: arm = version) and per colo.
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
