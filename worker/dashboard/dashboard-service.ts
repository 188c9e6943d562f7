import { readSummaries } from "../monitoring/store/summary-store.ts";
import { readRecentRows } from "../monitoring/store/window-reader.ts";
import type { Bindings } from "../platform/env.ts";
import { effectiveThresholds, readDefaultManifest } from "../repository/effective-thresholds.ts";
import { requireModelRecord } from "../repository/registry-reader.ts";
import { buildDashboardData, DASHBOARD_RANGES, type DashboardRange } from "./dashboard-data.ts";

/** Newest rows of the recent sample scanned for the regression scatter (its labelled ones are drawn). */
const SAMPLE_SCAN_ROWS = 500;

/**
 * Reads the registry record, the default manifest, the range's monitoring summaries and, for a regression
 * model, the newest SAMPLE_SCAN_ROWS rows of the recent sample (its labelled ones are the scatter): read-only,
 * and bounded by the range's summary rows plus SAMPLE_SCAN_ROWS, whatever the traffic.
 */
export async function dashboardData(env: Bindings, model: string, range: DashboardRange, now = Date.now()) {
  const record = await requireModelRecord(env.REGISTRY, model);
  const manifest = await readDefaultManifest(env.REGISTRY, record);
  const { ms, bucketMs } = DASHBOARD_RANGES[range];
  const start = Math.floor((now - ms) / bucketMs) * bucketMs;
  const summaries = await readSummaries(env.DB, model, start, now + 1);
  const sample =
    manifest?.task === "regression"
      ? (await readRecentRows(env.DB, model, start, now + 1, SAMPLE_SCAN_ROWS)).filter(
          (row) => row.actual !== null && row.version === record.default && row.route !== "shadow",
        )
      : [];
  return buildDashboardData({
    record,
    manifest,
    thresholds: effectiveThresholds(record, manifest),
    summaries,
    sample,
    range,
    end: now,
  });
}
