import type { LogRoute, LogStatus } from "../vocabulary/index.ts";

/** What the serving path hands to logging for every scored row (served or shadow). */
export interface PredictionRecord {
  id: string;
  ts: number;
  request_id: string;
  model: string;
  version: string;
  /** How the version was chosen; "shadow" scores are never returned, "recommend" rows are top-k items served. */
  route: LogRoute;
  subject_hash: string | null;
  inputs: Record<string, unknown>;
  /** Regression value (clipped), positive-class probability, or the predicted class's probability (multiclass). */
  output: number | null;
  label: string | null;
  /** Multiclass only: every class probability, in the manifest's class order. */
  probabilities?: number[] | null;
  interval: { level: number; lower: number; upper: number } | null;
  latency_ms: number;
  colo: string | null;
  country: string | null;
  key_id: string | null;
  status: LogStatus;
  error: string | null;
}
