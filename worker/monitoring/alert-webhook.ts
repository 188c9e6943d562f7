import type { HealthReason, HealthStatus } from "./health-status.ts";

export interface StatusChangeAlert {
  event: "model_health_changed";
  model: string;
  previous_status: HealthStatus | null;
  status: HealthStatus;
  reasons: HealthReason[];
  window: { start: string; end: string };
  report_id: string;
  r2_key: string | null;
  generated_at: string;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A status change is worth an alert; the first report only when it is already bad. */
export function shouldAlert(previous: HealthStatus | null, status: HealthStatus): boolean {
  if (previous === null) return status === "unhealthy" || status === "warning";
  return previous !== status;
}

/**
 * POSTs the alert as JSON (Slack-compatible: a `text` line plus the structured fields). The transport is an
 * argument so tests can hand in their own; a failing webhook is reported, never thrown (the report stands).
 */
export async function sendAlert(
  fetcher: FetchLike,
  url: string,
  alert: StatusChangeAlert,
  timeoutMs = 10_000,
): Promise<{ delivered: boolean; status?: number; error?: string }> {
  const text = `[edge-inference] ${alert.model}: ${alert.previous_status ?? "new"} → ${alert.status}${
    alert.reasons.length
      ? ` (${alert.reasons
          .filter((r) => r.severity !== "info")
          .map((r) => r.message)
          .join("; ")})`
      : ""
  }`;
  try {
    const response = await fetcher(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text, ...alert }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return response.ok
      ? { delivered: true, status: response.status }
      : { delivered: false, status: response.status };
  } catch (error) {
    return { delivered: false, error: String(error) };
  }
}
