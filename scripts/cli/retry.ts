/**
 * Retry policy of the admin client:
 * - a 409 whose problem type is `registry-conflict` means "the record changed under this write, retry it"
 *   (the Worker already retried internally). Other 409s (version exists, archived version) are real
 *   refusals and are never retried;
 * - a 503 (a store is down; the Worker sends Retry-After) is retried for idempotent methods only. A POST
 *   is not: its problem says what was committed and how to complete it (e.g. `committed_revision`).
 */
export const REGISTRY_CONFLICT = "urn:edge-inference:problem:registry-conflict";

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** EDGE_CLI_RETRIES overrides the number of attempts (1 = no retry). */
export function retryPolicy(env: Readonly<Record<string, string | undefined>> = process.env): RetryPolicy {
  const attempts = Number(env.EDGE_CLI_RETRIES ?? 6);
  return {
    attempts: Number.isInteger(attempts) && attempts >= 1 ? attempts : 6,
    baseMs: 200,
    capMs: 5000,
  };
}

/** Exponential backoff with "equal jitter": half fixed, half random; never below the Retry-After. */
export function backoffMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter: string | null,
  random = Math.random,
): number {
  const exponential = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1));
  const jittered = exponential / 2 + random() * (exponential / 2);
  const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
  const floor = Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, policy.capMs) : 0;
  return Math.round(Math.max(jittered, floor * (0.5 + random() * 0.5)));
}

export function isRetryableConflict(status: number, text: string): boolean {
  if (status !== 409) return false;
  try {
    return (JSON.parse(text) as { type?: string }).type === REGISTRY_CONFLICT;
  } catch {
    return false;
  }
}

/** HTTP's idempotent methods: repeating one has the effect of sending it once. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export function isRetryableUnavailable(method: string, status: number): boolean {
  return status === 503 && IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** The problem's type without the catalogue prefix (`store-unavailable`), or the bare status. */
export function problemName(status: number, text: string): string {
  try {
    const type = (JSON.parse(text) as { type?: unknown }).type;
    if (typeof type === "string") return type.slice(type.lastIndexOf(":") + 1);
  } catch {
    // not problem+json
  }
  return `HTTP ${status}`;
}
