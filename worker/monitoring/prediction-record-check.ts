import { LOG_ROUTES, LOG_STATUSES } from "../vocabulary/index.ts";
import type { PredictionRecord } from "./prediction-record.ts";

const ROUTES: ReadonlySet<unknown> = new Set(LOG_ROUTES);
const STATUSES: ReadonlySet<unknown> = new Set(LOG_STATUSES);

/** Guards the queue consumer: a malformed message would otherwise fail its whole batch on every retry. */
export function isPredictionRecord(value: unknown): value is PredictionRecord {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return (
    typeof record.id === "string" &&
    typeof record.ts === "number" &&
    typeof record.request_id === "string" &&
    typeof record.model === "string" &&
    typeof record.version === "string" &&
    typeof record.route === "string" &&
    ROUTES.has(record.route) &&
    typeof record.inputs === "object" &&
    record.inputs !== null &&
    typeof record.latency_ms === "number" &&
    STATUSES.has(record.status) &&
    (record.probabilities == null ||
      (Array.isArray(record.probabilities) &&
        record.probabilities.every((p) => typeof p === "number" && Number.isFinite(p))))
  );
}
