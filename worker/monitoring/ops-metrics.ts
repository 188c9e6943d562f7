import { percentiles } from "./stats/summary-stats.ts";
import type { WindowRow } from "./store/window-reader.ts";
import type { KeyedSummary } from "./summary/fold.ts";
import { LATENCY_ACCURACY, sketchQuantile } from "./summary/latency-sketch.ts";
import { mergeSketches } from "./summary/merge.ts";
import type { Summary } from "./summary/summary.ts";

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

/** Counts and the latency sketch of some summaries (the ops part of a summary). */
type OpsPart = Pick<Summary, "n" | "errors" | "requests" | "request_errors" | "latency">;

/** Relative accuracy of the summaries' latency quantiles (DDSketch): each is within ±1 % of a latency of the window. */
const LATENCY_RELATIVE_ACCURACY = LATENCY_ACCURACY;

function addOps(a: OpsPart, b: OpsPart): OpsPart {
  const latency = a.latency && b.latency ? mergeSketches(a.latency, b.latency) : (a.latency ?? b.latency);
  return {
    n: a.n + b.n,
    errors: a.errors + b.errors,
    requests: a.requests + b.requests,
    request_errors: a.request_errors + b.request_errors,
    ...(latency ? { latency } : {}),
  };
}

const NO_OPS: OpsPart = { n: 0, errors: 0, requests: 0, request_errors: 0 };

/** `opsMetrics` of merged summaries: exact counts; latency quantiles from the DDSketch (±1 % relative). */
function summaryOpsMetrics(part: OpsPart): OpsMetrics {
  const latency = part.latency;
  const at = (q: number) => (latency ? sketchQuantile(latency, q) : null);
  return {
    requests: part.requests,
    errors: part.request_errors,
    error_rate: part.requests ? part.request_errors / part.requests : 0,
    rows: part.n,
    latency_ms: { p50: at(0.5), p95: at(0.95), p99: at(0.99) },
  };
}

function opsGroups(
  summaries: readonly KeyedSummary[],
  key: (entry: KeyedSummary) => string | null,
): Record<string, OpsMetrics> {
  const groups = new Map<string, OpsPart>();
  for (const entry of summaries) {
    const name = key(entry);
    if (name === null) continue;
    groups.set(name, addOps(groups.get(name) ?? NO_OPS, entry.summary));
  }
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([name, part]) => [name, summaryOpsMetrics(part)]),
  );
}

/**
 * `opsReport` of a window's summaries: the same groups, exact counts. Per colo the summaries keep counts but
 * no latency sketch (latency null there); rows without a colo count under "unknown".
 */
export function summaryOpsReport(summaries: readonly KeyedSummary[]) {
  const served = summaries.filter((entry) => entry.key.route !== "shadow");
  const total = served.reduce<OpsPart>((sum, entry) => addOps(sum, entry.summary), NO_OPS);
  const colos = new Map<string, OpsPart>();
  for (const { summary } of served)
    for (const [colo, counts] of Object.entries(summary.colos ?? {}))
      colos.set(colo, addOps(colos.get(colo) ?? NO_OPS, counts));
  const known = [...colos.values()].reduce<OpsPart>(addOps, NO_OPS);
  const unknown: OpsPart = {
    n: total.n - known.n,
    errors: total.errors - known.errors,
    requests: total.requests - known.requests,
    request_errors: total.request_errors - known.request_errors,
  };
  if (unknown.n > 0) colos.set("unknown", unknown);
  return {
    total: summaryOpsMetrics(total),
    by_version: opsGroups(summaries, ({ key }) =>
      key.route === "shadow" ? `${key.version} (shadow)` : key.version,
    ),
    by_route: opsGroups(summaries, ({ key }) => key.route),
    by_arm: opsGroups(served, ({ key }) => (key.route === "ab" ? key.version : null)),
    by_colo: Object.fromEntries(
      [...colos]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([colo, part]) => [colo, summaryOpsMetrics(part)]),
    ),
    latency_relative_accuracy: LATENCY_RELATIVE_ACCURACY,
  };
}
