import type { Manifest } from "../contracts/manifest.ts";
import { defaultThresholds } from "../repository/default-thresholds.ts";
import { readManifest } from "../repository/registry-reader.ts";
import type { ModelRecord, MonitoringThresholds } from "../repository/registry-types.ts";

/**
 * The model's registry thresholds over the defaults of its task, taken from the default version's manifest
 * (regression's defaults when that manifest is unreadable: no performance is judged then anyway).
 */
export function effectiveThresholds(
  record: ModelRecord,
  defaultManifest: Manifest | undefined,
): MonitoringThresholds {
  return { ...defaultThresholds(defaultManifest?.task ?? "regression"), ...record.thresholds };
}

/** The default version's manifest, or undefined (logged) when it is missing or invalid. */
export async function readDefaultManifest(
  kv: KVNamespace,
  record: ModelRecord,
): Promise<Manifest | undefined> {
  try {
    return await readManifest(kv, record.name, record.default);
  } catch (error) {
    console.error(
      JSON.stringify({
        event: "report_manifest_missing",
        model: record.name,
        version: record.default,
        error: String(error),
      }),
    );
    return undefined;
  }
}
