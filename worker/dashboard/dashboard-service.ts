import { readWindow } from "../monitoring/store/window-reader.ts";
import type { Bindings } from "../platform/env.ts";
import { effectiveThresholds, readDefaultManifest } from "../repository/effective-thresholds.ts";
import { requireModelRecord } from "../repository/registry-reader.ts";
import {
  buildDashboardData,
  DASHBOARD_RANGES,
  type DashboardRange,
  MAX_DASHBOARD_ROWS,
} from "./dashboard-data.ts";

/** Reads the registry record, the default manifest and the newest logged rows of the range (read-only). */
export async function dashboardData(env: Bindings, model: string, range: DashboardRange, now = Date.now()) {
  const record = await requireModelRecord(env.REGISTRY, model);
  const manifest = await readDefaultManifest(env.REGISTRY, record);
  const { ms, bucketMs } = DASHBOARD_RANGES[range];
  const start = Math.floor((now - ms) / bucketMs) * bucketMs;
  const { rows, total } = await readWindow(env.DB, model, start, now + 1, MAX_DASHBOARD_ROWS);
  return buildDashboardData({
    record,
    manifest,
    thresholds: effectiveThresholds(record, manifest),
    rows,
    totalRows: total,
    range,
    end: now,
  });
}
