import type { Manifest } from "../contracts/manifest.ts";
import {
  type FetchLike,
  type StatusChangeAlert,
  sendAlert,
  shouldAlert,
} from "../monitoring/alert-webhook.ts";
import type { HealthStatus } from "../monitoring/health-status.ts";
import { buildModelReport, type ModelReport, SKILL_SAMPLE_ROWS } from "../monitoring/model-report.ts";
import { reportR2Key } from "../monitoring/report-keys.ts";
import { latestReport, readReport, reportId, saveReport } from "../monitoring/store/report-store.ts";
import { readSummaries } from "../monitoring/store/summary-store.ts";
import { readRecentRows } from "../monitoring/store/window-reader.ts";
import type { Bindings } from "../platform/env.ts";
import { effectiveThresholds, readDefaultManifest } from "../repository/effective-thresholds.ts";
import { readManifest } from "../repository/registry-reader.ts";
import type { ModelRecord } from "../repository/registry-types.ts";

/** Newest rows of the recent raw sample read for the regression baseline skill (bounded: not the window's traffic). */

interface AlertOutcome {
  previous_status: HealthStatus | null;
  sent: boolean;
  delivered?: boolean;
  error?: string;
}

/** The manifests of `versions` that are readable, on top of the default version's (read already). */
async function readableManifests(
  kv: KVNamespace,
  record: ModelRecord,
  defaultManifest: Manifest | undefined,
  versions: Iterable<string>,
) {
  const manifests = new Map<string, Manifest>();
  if (defaultManifest) manifests.set(record.default, defaultManifest);
  for (const version of new Set(versions)) {
    if (version === record.default) continue;
    try {
      manifests.set(version, await readManifest(kv, record.name, version));
    } catch (error) {
      console.error(
        JSON.stringify({
          event: "report_manifest_missing",
          model: record.name,
          version,
          error: String(error),
        }),
      );
    }
  }
  return manifests;
}

/**
 * One model's report for the window ending at `windowEnd`: computed, stored in D1 (row id = model + window
 * end) and R2, then alerted on a status change. Rerunning the same window rewrites the same row and object
 * and alerts at most once: an existing row with the same status keeps its alert outcome.
 */
export async function runModelHealth(
  env: Bindings,
  record: ModelRecord,
  windowEnd: number,
  fetcher: FetchLike,
  now = Date.now(),
): Promise<{ id: string; status: HealthStatus; alert: AlertOutcome }> {
  const defaultManifest = await readDefaultManifest(env.REGISTRY, record);
  const thresholds = effectiveThresholds(record, defaultManifest);
  const effective = { ...record, thresholds };
  const windowStart = windowEnd - thresholds.window_hours * 3_600_000;
  // Cost: the window's summary rows (buckets × keys), not its predictions; the raw sample only for regression's baseline skill.
  const summaries = await readSummaries(env.DB, record.name, windowStart, windowEnd);
  const sample =
    defaultManifest?.task === "regression"
      ? await readRecentRows(env.DB, record.name, windowStart, windowEnd, SKILL_SAMPLE_ROWS)
      : undefined;
  const manifests = await readableManifests(
    env.REGISTRY,
    record,
    defaultManifest,
    summaries.map((entry) => entry.key.version),
  );
  const report = buildModelReport({
    record: effective,
    manifests,
    summaries,
    ...(sample ? { sample } : {}),
    windowStart,
    windowEnd,
    generatedAt: now,
  });

  const id = reportId(record.name, windowEnd);
  const r2Key = reportR2Key(record.name, windowEnd);
  const existing = await readReport(env.DB, id);
  const previous = await latestReport(env.DB, record.name, windowEnd);
  const previousStatus = (previous?.status ?? null) as HealthStatus | null;
  const existingAlert = (existing?.report as { alert?: AlertOutcome } | undefined)?.alert;
  let alert: AlertOutcome;
  if (existing && existing.status === report.status && existingAlert) alert = existingAlert;
  else if (shouldAlert(previousStatus, report.status) && env.ALERT_WEBHOOK_URL) {
    const payload: StatusChangeAlert = {
      event: "model_health_changed",
      model: record.name,
      previous_status: previousStatus,
      status: report.status,
      reasons: report.reasons,
      window: { start: report.window.start_iso, end: report.window.end_iso },
      report_id: id,
      r2_key: r2Key,
      generated_at: report.generated_at,
    };
    const outcome = await sendAlert(fetcher, env.ALERT_WEBHOOK_URL, payload);
    alert = { previous_status: previousStatus, sent: true, ...outcome };
    if (!outcome.delivered)
      console.error(JSON.stringify({ event: "alert_failed", model: record.name, ...outcome }));
  } else alert = { previous_status: previousStatus, sent: false };

  const stored: ModelReport & { id: string; r2_key: string; alert: AlertOutcome } = {
    ...report,
    id,
    r2_key: r2Key,
    alert,
  };
  await env.ARTIFACTS.put(r2Key, JSON.stringify(stored), {
    httpMetadata: { contentType: "application/json" },
  });
  await saveReport(env.DB, {
    id,
    model: record.name,
    windowStart,
    windowEnd,
    generatedAt: now,
    status: report.status,
    report: stored as unknown as Record<string, unknown>,
    r2Key,
  });
  return { id, status: report.status, alert };
}
