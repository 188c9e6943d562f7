import type { Bindings } from "../env.ts";
import { isoSeconds } from "../http/accept-language.ts";
import { requireModelRecord } from "../registry/registry-reader.ts";

/**
 * The seed's /model_health: RMSE and R² over the last 24 h from feedback. Until the monitoring job has
 * produced a report for the window, it says so honestly instead of inventing numbers.
 */
export async function readSeedModelHealth(env: Bindings, model: string) {
  const record = await requireModelRecord(env.REGISTRY, model);
  return {
    model,
    version: record.default,
    window_hours: 24,
    status: "no_data",
    healthy: null,
    rmse: null,
    r2: null,
    thresholds: { rmse_max: 1.0, r2_min: 0.6 },
    feedback_count: 0,
    message:
      "No feedback window exists yet: no ground truth has been reported for this model in the last 24 h.",
    timestamp: isoSeconds(),
  };
}
