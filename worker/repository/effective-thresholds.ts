import type { Manifest } from "../contracts/manifest.ts";
import { loggableError } from "../platform/store-failure.ts";
import { commonThresholds, DEFAULT_DRIFT_RULE, defaultThresholds } from "./default-thresholds.ts";
import { readManifest } from "./registry-reader.ts";
import type { ModelRecord, MonitoringThresholds } from "./registry-types.ts";

/**
 * The model's registry thresholds over the defaults of its task, taken from the default version's manifest (the
 * common defaults alone when that manifest is unreadable: no performance is judged then anyway), with the drift
 * rule spelled out so reports say which rule picked the methods.
 */
export function effectiveThresholds(
  record: ModelRecord,
  defaultManifest: Manifest | undefined,
): MonitoringThresholds {
  const defaults = defaultManifest ? defaultThresholds(defaultManifest.task) : commonThresholds();
  return {
    ...defaults,
    ...record.thresholds,
    drift_methods: { default_rule: DEFAULT_DRIFT_RULE, ...record.thresholds.drift_methods },
  };
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
        error: loggableError(error),
      }),
    );
    return undefined;
  }
}
